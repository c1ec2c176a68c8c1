"""The endpoint, the gates and the envelope: URLs, parameter sources, switches, errors 101/201, 500, 429."""
import xml.etree.ElementTree as ET

import pytest

from portal.api import registry

from .conftest import error_ids, set_setting


@pytest.mark.parametrize("path", ["/api/index.php", "/api/", "/api"])
def test_every_endpoint_path_answers_with_the_helpspot_header(api, path):
    response = api.call("version", path=path)
    assert response.status_code == 200
    assert response.headers["X-HelpSpot-API"] == "2.0"
    assert response.data.decode() == ('<?xml version="1.0" encoding="UTF-8"?>\n<results>\n\t<version>2.0</version>'
                                      "\n\t<min_version>1.7</min_version>\n</results>")
    assert response.headers["Content-Type"] == "text/xml"


@pytest.mark.parametrize("via", ["query", "body", "multipart", "both"])
def test_method_and_output_come_from_anywhere(api, via):
    response = api.call("version", via=via, output="json")
    assert response.get_json(force=True) == {"version": "2.0", "min_version": "1.7"}


def test_body_wins_over_query(api):
    response = api.client.post("/api/index.php", query_string={"method": "version", "output": "xml"},
                               data={"output": "json"})
    assert response.get_json(force=True)["version"] == "2.0"


def test_any_http_verb_is_routed(api):
    assert api.call("version", http="PUT").status_code == 200


def test_php_output(api):
    response = api.call("version", output="php")
    assert response.data == b'a:2:{s:7:"version";s:3:"2.0";s:11:"min_version";s:3:"1.7";}'
    # text/plain, not HelpSpot's text/html: a browser must never render a reply
    assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_status(client, app):
    response = client.get("/api/status")
    assert response.status_code == 200 and response.headers["X-HelpSpot-API"] == "2.0"
    assert response.data == b'<?xml version="1.0" encoding="UTF-8"?><reply>ok</reply>'
    set_setting(app, "public_api", False)
    assert b"<reply>Public API not enabled</reply>" in client.get("/api/status").data


# HelpSpot's bodies, each in its format's own content type (HelpSpot: text/javascript and text/html;
# Portico's: never a type a browser renders as a page).
@pytest.mark.parametrize("output, body, content_type", [
    ("xml", b'<?xml version="1.0" encoding="UTF-8"?><reply>Public API not enabled</reply>', "text/xml"),
    ("json", b'{"reply":"Public API not enabled"}', "application/json;"),
    ("php", b's:22:"Public API not enabled";', "text/plain; charset=UTF-8"),
])
def test_public_api_switched_off(api, app, output, body, content_type):
    set_setting(app, "public_api", False)
    response = api.call("kb.list", output=output)
    assert response.status_code == 400
    assert response.data == body and response.headers["Content-Type"] == content_type
    assert response.headers["X-HelpSpot-API"] == "2.0"


def test_private_api_switched_off_wins_over_missing_credentials(api, app):
    set_setting(app, "private_api", False)
    response = api.call("private.version")
    assert response.status_code == 400
    assert response.data.endswith(b"<reply>Private API not enabled</reply>")


def test_switches_are_independent(api, app, make_staff):
    make_staff()
    set_setting(app, "public_api", False)
    from .conftest import basic
    assert api.call("private.version", headers=basic("agent@example.com", "correct horse")).status_code == 200


@pytest.mark.parametrize("method", [None, "", "no.such", "private_typo"])
def test_unknown_method_is_201(api, method, make_staff):
    params = {} if method is None else {"method": method}
    response = api.client.get("/api/index.php", query_string=params)
    if method == "private_typo":  # private names need credentials first: 1, 2 and then 201
        assert error_ids(ET.fromstring(response.data)) == [1, 2, 201]
        return
    assert response.status_code == 400
    assert b"<id>201</id>" in response.data and b"Invalid method provided" in response.data


def test_missing_parameters_one_101_each_in_order_json(api):
    response, body = api.json("forums.createTopic")
    assert response.status_code == 400
    assert body == {"error": [
        {"id": 101, "description": "Required parameter xForumId not supplied"},
        {"id": 101, "description": "Required parameter sTopic not supplied"},
        {"id": 101, "description": "Required parameter sName not supplied"},
        {"id": 101, "description": "Required parameter tPost not supplied"},
    ]}


def test_blank_counts_as_missing(api):
    response, root = api.xml("kb.get", xBook="  ")
    assert error_ids(root) == [101]


def test_error_xml_shape(api):
    response = api.call("request.create", via="body")
    assert response.data.decode() == "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>', "<errors>",
        "\t<error>", "\t\t<id>101</id>", "\t\t<description>Required parameter tNote not supplied</description>",
        "\t</error>",
        "\t<error>", "\t\t<id>206</id>", "\t\t<description>Could not create request</description>", "\t</error>",
        "</errors>"])


def test_error_php(api):
    response = api.call("kb.get", output="php")
    assert response.data == (b'a:1:{s:5:"error";a:1:{i:0;a:2:{s:2:"id";i:101;s:11:"description";'
                             b's:37:"Required parameter xBook not supplied";}}}')


def test_internal_failure_answers_500_envelope_without_traceback(api, monkeypatch, caplog):
    def broken(p):
        raise RuntimeError("secret internals")
    monkeypatch.setitem(registry.REGISTRY, "version", registry.Method("version", broken, "results"))
    response, body = api.json("version")
    assert response.status_code == 500
    assert body == {"error": [{"id": 500, "description": "An internal error occurred. It has been logged."}]}
    assert b"secret" not in response.data and "secret internals" in caplog.text
    assert response.headers["X-HelpSpot-API"] == "2.0"


def test_descriptions_escaped_once(api):
    from portal.api.errors import ApiError, error

    def fails(p):
        raise ApiError(error(207, 'say "hi" & <bye>'))
    registry.REGISTRY["test.fails"] = registry.Method("test.fails", fails, "x")
    try:
        xml = api.call("test.fails").data.decode()
        json_body = api.call("test.fails", output="json").get_json(force=True)
    finally:
        del registry.REGISTRY["test.fails"]
    assert "<description>Could not create request: say &quot;hi&quot; &amp; &lt;bye&gt;</description>" in xml
    assert json_body["error"][0]["description"] == 'Could not create request: say "hi" & <bye>'


def test_public_call_with_an_authorization_header_stays_public(api):
    response = api.call("version", headers={"Authorization": "Basic Og=="})
    assert response.status_code == 200
    response = api.call("version", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200
