"""Knowledge-book methods: list, get, getBookTOC, getPage, search, votes."""
import pytest

from portal.extensions import db
from portal.kb.models import Page

from .conftest import error_ids, php_unserialize


@pytest.fixture
def manual(build):
    book = build.book("Product Manual", description="Everything you need.", position=0)
    start = build.chapter(book, "Getting Started", position=1)
    install = build.chapter(book, "Installation", position=2)
    appendix = build.chapter(book, "Glossary", position=3, appendix=True)
    build.chapter(book, "Hidden chapter", position=4, hidden=True)
    empty = build.chapter(book, "Empty", position=5)
    up = build.page(start, "Getting your help desk up and running", position=1, highlight=True,
                    tags=["Pricing", "Service"])
    req = build.page(install, "Requirements", position=1, body="<p>Installation needs Python</p>")
    build.page(install, "Secret draft", position=2, hidden=True)
    clean = build.page(install, "Clean Upgrade", position=3, related=[req, up])
    term = build.page(appendix, "Terms", position=1)
    private = build.book("Staff Handbook", private=True)
    private_page = build.page(build.chapter(private, "Inside"), "Internal installation notes")
    return dict(book=book, start=start, install=install, appendix=appendix, empty=empty, up=up, req=req,
                clean=clean, term=term, private=private, private_page=private_page)


def test_list(api, manual, build):
    response, body = api.json("kb.list")
    assert body == {"book": [{"xBook": str(manual["book"]), "sBookName": "Product Manual", "iOrder": "0",
                              "tDescription": "Everything you need."}]}


def test_list_empty(api):
    assert api.call("kb.list").data.endswith(b"<books>\n\t<book />\n</books>")
    assert api.json("kb.list")[1] == {"book": []}


def test_get(api, manual):
    response, root = api.xml("kb.get", xBook=manual["book"])
    assert [c.tag for c in root] == ["xBook", "sBookName", "iOrder", "tDescription"]


@pytest.mark.parametrize("which, xml_tail, json_body", [("private", b"<book />", []), ("missing", b"<book />", False)])
def test_get_private_or_missing_is_empty_200(api, manual, which, xml_tail, json_body):
    book = manual["private"] if which == "private" else 9999
    response = api.call("kb.get", xBook=book)
    assert response.status_code == 200 and response.data.endswith(b"\n" + xml_tail)
    assert api.json("kb.get", xBook=book)[1] == json_body


def test_get_missing_parameter(api):
    response, root = api.xml("kb.get")
    assert response.status_code == 400 and error_ids(root) == [101]


def test_toc(api, manual):
    response, body = api.json("kb.getBookTOC", xBook=manual["book"])
    chapters = body["chapter"]
    assert [c["name"] for c in chapters] == ["1. Getting Started", "2. Installation", "3. Empty", " Glossary"]
    assert "pages" not in chapters[2]
    install = chapters[1]["pages"]["page"]
    assert list(install) == [str(manual["req"]), str(manual["clean"])]  # keyed by id; hidden page left out
    clean = install[str(manual["clean"])]
    assert clean["name"] == "2.2. Clean Upgrade" and "tPage" not in clean
    assert [r["sPageName"] for r in clean["relatedpages"]["relatedpage"]] == [
        "Getting your help desk up and running", "Requirements"]
    first = chapters[0]["pages"]["page"][str(manual["up"])]
    assert first["tags"] == {"tag": ["Pricing", "Service"]} and first["fHighlight"] == "1"
    assert chapters[3]["pages"]["page"][str(manual["term"])]["name"] == "1. Terms"


def test_toc_with_page_html(api, manual):
    response, body = api.json("kb.getBookTOC", xBook=manual["book"], fWithPageHTML=1)
    pages = [p for c in body["chapter"] for p in c.get("pages", {"page": {}})["page"].values()]
    assert pages and all("tPage" in p for p in pages)
    assert body["chapter"][1]["pages"]["page"][str(manual["req"])]["tPage"] == "<p>Installation needs Python</p>"
    assert list(pages[0])[:5] == ["name", "xPage", "xChapter", "sPageName", "tPage"]


def test_toc_private_or_missing(api, manual):
    for book in (manual["private"], 9999):
        assert api.call("kb.getBookTOC", xBook=book).data.endswith(b"\n<toc />")
        assert api.json("kb.getBookTOC", xBook=book)[1] == []


def test_toc_php(api, manual):
    body = php_unserialize(api.call("kb.getBookTOC", xBook=manual["book"], output="php").data.decode())
    assert list(body["chapter"][1]["pages"]["page"]) == [manual["req"], manual["clean"]]


def test_page(api, manual):
    response, root = api.xml("kb.getPage", xPage=manual["clean"])
    assert [c.tag for c in root] == ["name", "xPage", "xChapter", "sPageName", "tPage", "iOrder", "fHighlight",
                                     "relatedpages"]
    assert root.findtext("name") == "2.2. Clean Upgrade"
    assert root.findtext("tPage") == "<p>This is the HTML body of the page.</p>"
    assert b"&lt;p&gt;This is the HTML body" in response.data


def test_page_numbers_as_the_toc(api, manual):
    """kb.getPage numbers a page without building the book's table; the numbers are the table's (a hidden
    page and a hidden chapter skipped, the appendix numbered on its own)."""
    toc = api.xml("kb.getBookTOC", xBook=manual["book"])[1]
    names = {page.findtext("xPage"): page.findtext("name") for page in toc.iter("page") if page.find("xPage") is not None}
    assert sorted(names.values()) == ["1. Terms", "1.1. Getting your help desk up and running", "2.1. Requirements",
                                      "2.2. Clean Upgrade"]
    for page_id, name in names.items():
        assert api.json("kb.getPage", xPage=page_id)[1]["name"] == name


def test_page_files(api, app, manual):
    from portal.kb.models import PageAttachment

    with app.app_context():
        db.session.add(PageAttachment(page_id=manual["req"], filename="b.pdf", sha256="0" * 64))
        db.session.add(PageAttachment(page_id=manual["req"], filename="inline.png", sha256="1" * 64,
                                      downloadable=False))
        db.session.commit()
        file_id = db.session.execute(db.select(PageAttachment.id).where(PageAttachment.filename == "b.pdf")).scalar()
    body = api.json("kb.getPage", xPage=manual["req"])[1]
    assert body["files"] == {"file": [f"http://portal.test/kb/files/{file_id}"]}


@pytest.mark.parametrize("which, json_body", [("private_page", []), ("hidden", False), ("missing", False)])
def test_page_not_visible(api, app, manual, which, json_body):
    if which == "hidden":
        with app.app_context():
            page_id = db.session.execute(db.select(Page.id).where(Page.name == "Secret draft")).scalar()
    else:
        page_id = manual.get(which, 9999)
    assert api.call("kb.getPage", xPage=page_id).data.endswith(b"\n<page />")
    assert api.json("kb.getPage", xPage=page_id)[1] == json_body


def test_search(api, manual):
    response, body = api.json("kb.search", q="installation")
    # Best match first (the word is in its body); "Clean Upgrade" matches through its chapter's name,
    # "Installation". The hidden draft and the private book's page never appear.
    assert body["page"][0] == {"link": f"?pg=kb.page&id={manual['req']}", "desc": "Installation needs Python",
                               "sBookName": "Product Manual", "sPageName": "Requirements",
                               "xPage": str(manual["req"])}
    assert [p["sPageName"] for p in body["page"]] == ["Requirements", "Clean Upgrade"]
    xml = api.call("kb.search", q="installation").data.decode()
    assert f"<link>?pg=kb.page&amp;id={manual['req']}</link>" in xml


def test_search_no_hits_and_missing_q(api, manual):
    assert api.json("kb.search", q="zebra")[1] == {"page": []}
    assert api.call("kb.search", q="zebra").data.endswith(b"<pages>\n\t<page />\n</pages>")
    assert error_ids(api.xml("kb.search")[1]) == [101]


@pytest.mark.parametrize("method, key, column", [("kb.voteHelpful", "iHelpful", "helpful"),
                                                  ("kb.voteNotHelpful", "iNotHelpful", "not_helpful")])
def test_votes_count_every_call(api, app, manual, method, key, column):
    assert api.json(method, xPage=manual["up"])[1] == {key: "1"}
    response, root = api.xml(method, xPage=manual["up"])
    assert root.findtext(key) == "2"
    with app.app_context():
        assert getattr(db.session.get(Page, manual["up"]), column) == 2


def test_vote_missing_page(api):
    assert api.call("kb.voteHelpful", xPage=9999).data.endswith(b"<page>\n\t<iHelpful />\n</page>")
    assert api.json("kb.voteNotHelpful", xPage=9999)[1] == {"iNotHelpful": None}
    assert error_ids(api.xml("kb.voteHelpful")[1]) == [101]
