"""The three serializers, fed by one plain structure (reference section 2)."""
import json

from portal.api.output import NOT_FOUND, KeyedList, pick_format, to_json, to_php, to_xml

from .conftest import php_unserialize

SAMPLE = {
    "request": KeyedList([(12489, {"xRequest": "12489", "sUserId": "", "sTitle": "Q & A <b>\"it's\"</b>"}),
                          (12490, {"xRequest": "12490", "sUserId": None, "sTitle": "née / ünïcode"})]),
    "files": [],
    "tags": {"tag": ["a", "b"]},
}


def test_xml_tabs_repeated_elements_self_closing_and_escaping():
    assert to_xml("requests", SAMPLE) == "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<requests>",
        "\t<request>",
        "\t\t<xRequest>12489</xRequest>",
        "\t\t<sUserId />",
        "\t\t<sTitle>Q &amp; A &lt;b&gt;&quot;it&apos;s&quot;&lt;/b&gt;</sTitle>",
        "\t</request>",
        "\t<request>",
        "\t\t<xRequest>12490</xRequest>",
        "\t\t<sUserId />",
        "\t\t<sTitle>née / ünïcode</sTitle>",
        "\t</request>",
        "\t<files />",
        "\t<tags>",
        "\t\t<tag>a</tag>",
        "\t\t<tag>b</tag>",
        "\t</tags>",
        "</requests>",
    ])


def test_xml_has_no_cdata_and_no_trailing_newline():
    body = to_xml("page", {"tPage": "<p>x</p>]]>"})
    assert "CDATA" not in body and not body.endswith("\n")
    assert "<tPage>&lt;p&gt;x&lt;/p&gt;]]&gt;</tPage>" in body


def test_empty_and_not_found_roots():
    assert to_xml("book", {}).endswith("\n<book />")
    assert to_xml("book", NOT_FOUND).endswith("\n<book />")
    assert to_json("book", {}) == "[]"
    assert to_json("book", NOT_FOUND) == "false"
    assert to_php("book", NOT_FOUND) == "b:0;"
    assert to_php("book", {}) == "a:0:{}"


def test_empty_list_in_wrapper():
    assert to_xml("books", {"book": []}).endswith("<books>\n\t<book />\n</books>")
    assert to_json("books", {"book": []}) == '{"book":[]}'
    assert to_xml("categories", {"category": KeyedList()}).endswith("<categories>\n\t<category />\n</categories>")
    assert to_json("categories", {"category": KeyedList()}) == '{"category":[]}'


def test_json_keyed_lists_become_objects_and_plain_lists_arrays():
    decoded = json.loads(to_json("requests", SAMPLE))
    assert list(decoded["request"]) == ["12489", "12490"]
    assert decoded["request"]["12490"]["sUserId"] is None
    assert decoded["files"] == [] and decoded["tags"] == {"tag": ["a", "b"]}


def test_json_escapes_like_php():
    body = to_json("x", {"url": "http://a/b", "name": "née"})
    assert body == '{"url":"http:\\/\\/a\\/b","name":"n\\u00e9e"}'


def test_json_one_item_keyed_list_stays_an_object():
    assert to_json("r", {"request": KeyedList([(5, {"a": "1"})])}) == '{"request":{"5":{"a":"1"}}}'


def test_php_serialize_exact_strings():
    assert to_php("results", {"version": "2.0", "min_version": "1.7"}) == \
        'a:2:{s:7:"version";s:3:"2.0";s:11:"min_version";s:3:"1.7";}'
    assert to_php("e", {"error": [{"id": 101, "description": "né"}]}) == \
        'a:1:{s:5:"error";a:1:{i:0;a:2:{s:2:"id";i:101;s:11:"description";s:3:"né";}}}'
    assert to_php("r", {"request": KeyedList([(12, {"x": None})])}) == 'a:1:{s:7:"request";a:1:{i:12;a:1:{s:1:"x";N;}}}'


def test_php_round_trip():
    decoded = php_unserialize(to_php("requests", SAMPLE))
    assert decoded["request"][12489]["sTitle"] == SAMPLE["request"].items[0][1]["sTitle"]
    assert decoded["request"][12490]["sTitle"] == "née / ünïcode"
    assert decoded["request"][12490]["sUserId"] is None
    assert decoded["files"] == {} and decoded["tags"] == {"tag": {0: "a", 1: "b"}}


def test_output_choice():
    assert pick_format("json") == "json" and pick_format("PHP") == "php"
    assert pick_format(None) == "xml" and pick_format("yaml") == "xml"
