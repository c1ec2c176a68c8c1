"""Every XSS payload, written through the API (or the staff editor for KB pages) and read back through the
API in XML and JSON, stays text: the XML is well-formed with no injected element, the JSON is valid with
the payload only inside strings, template syntax is never evaluated, and the text really comes back."""
import json
from html import unescape
from xml.etree import ElementTree

import pytest

from portal import settings
from portal.extensions import db
from tests.security.payloads import PAYLOADS, TEMPLATE_RESULTS, assert_json_carries, assert_xml_carries
from tests.security.test_injection import World


@pytest.fixture
def world(app):
    with app.app_context():
        settings.set_value("public_api", True)
        settings.set_value("spam_link_count", 0)
        db.session.commit()
    return World.build(app)


def get(client, method, output, headers=None, **params):
    response = client.get("/api/index.php", query_string={"method": method, "output": output, **params},
                          headers=headers)
    assert response.status_code == 200, (method, params, response.data[:300])
    return response.get_data(as_text=True)


def carried(body: str, output: str, payload: str, what: str, *, echoes: bool = True) -> str:
    """Check the reply; return its text content (to prove the payload came back)."""
    # "49" is in many replies anyway (ids, timestamps): for {{7*7}} the proof is the literal text instead.
    numeric = TEMPLATE_RESULTS.get(payload, "").isdigit()
    checked = "" if numeric else payload
    try:
        if output == "xml":
            assert_xml_carries(body, checked)
            root = ElementTree.fromstring(body)
            text = " ".join(t for e in root.iter() for t in (e.text, e.tail) if t)
        else:
            assert_json_carries(body, checked)
            text = json.dumps(json.loads(body), ensure_ascii=False)
        if numeric and echoes:
            assert payload in unescape(text), "the template payload is not carried as typed"
        return text
    except Exception as exc:
        raise AssertionError(f"{what} ({output}) with payload {payload!r}: {exc}\n{body[:800]}") from None


def came_back(text: str, marker: str) -> bool:
    return marker in unescape(text)


def test_requests_created_and_read_back_through_the_api(app, client, world):
    token = {"Authorization": f"Bearer {world.token}"}
    back = 0
    for number, payload in enumerate(PAYLOADS):
        marker = f"m{number}k"
        response = client.post("/api/index.php", data={
            "method": "request.create", "output": "json", "tNote": f"{marker} {payload}", "sFirstName": payload[:50],
            "sLastName": payload[-50:], "sEmail": "tsmith@companyco.com", f"Custom{world.field_id}": payload,
            "xCategory": world.category_id})
        assert response.status_code == 200, (payload, response.data)
        created = response.get_json(force=True)
        for output in ("xml", "json"):
            text = carried(get(client, "request.get", output, accesskey=created["accesskey"]), output, payload,
                           "request.get")
            back += came_back(text, marker)
            carried(get(client, "private.request.get", output, token, xRequest=created["xRequest"]), output,
                    payload, "private.request.get")
            carried(get(client, "private.request.get", output, token, xRequest=created["xRequest"], fRawValues=1),
                    output, payload, "private.request.get raw")
        response = client.post("/api/index.php", data={"method": "request.update", "accesskey": created["accesskey"],
                                                       "tNote": payload, "output": "json"})
        assert response.status_code == 200, response.data
        carried(get(client, "request.get", "xml", accesskey=created["accesskey"]), "xml", payload, "after update")
    assert back == 2 * len(PAYLOADS)
    for output in ("xml", "json"):
        carried(get(client, "private.request.search", output, token, sSearch="XSS"), output, "", "request search")
        carried(get(client, "customer.getRequests", output, sEmail="tsmith@companyco.com", sPassword="nusoxdln"),
                output, "", "customer.getRequests")


def test_forum_posts_and_topics_created_and_read_back_through_the_api(app, client, world):
    back = 0
    for number, payload in enumerate(PAYLOADS):
        marker = f"m{number}k"
        response = client.post("/api/index.php", data={"method": "forums.createTopic", "xForumId": world.forum_id,
                                                       "sTopic": payload, "sName": payload[:50],
                                                       "tPost": f"{marker} {payload}", "output": "json"})
        assert response.status_code == 200, (payload, response.data)
        topic_id = response.get_json(force=True)["xTopicId"]
        response = client.post("/api/index.php", data={"method": "forums.createPost", "xTopicId": topic_id,
                                                       "sName": payload[:50], "tPost": payload, "output": "json"})
        assert response.status_code == 200, (payload, response.data)
        assert response.get_json(force=True)["xPostId"]
        for output in ("xml", "json"):
            text = carried(get(client, "forums.getPosts", output, xTopicId=topic_id), output, payload,
                           "forums.getPosts")
            back += came_back(text, marker)
    for output in ("xml", "json"):
        carried(get(client, "forums.getTopics", output, xForumId=world.forum_id, length=100), output, "", "getTopics")
        carried(get(client, "forums.search", output, q="XSS"), output, "", "forums.search")
    assert back == 2 * len(PAYLOADS)


def test_kb_pages_written_by_staff_read_back_through_the_api(app, client, world):
    from portal.accounts.models import Staff
    from portal.kb import editing
    from portal.kb.models import Chapter

    ids = []
    with app.test_request_context():
        staff = db.session.get(Staff, world.admin_id)
        chapter = db.session.get(Chapter, world.chapter_id)
        for payload in PAYLOADS:
            page = editing.save_page(staff, chapter, editing.PageInput(name=payload[:200] or "x", body=payload,
                                                                       tags=[payload[:40]]))
            ids.append(page.id)
        db.session.commit()
    for payload, page_id in zip(PAYLOADS, ids, strict=False):
        for output in ("xml", "json"):
            carried(get(client, "kb.getPage", output, xPage=page_id), output, payload, "kb.getPage")
    for output in ("xml", "json"):
        carried(get(client, "kb.getBookTOC", output, xBook=world.book_id, fWithPageHTML=1), output, "", "TOC")
        carried(get(client, "kb.get", output, xBook=world.book_id), output, "", "kb.get")
        carried(get(client, "kb.search", output, q="XSS"), output, "", "kb.search")


def test_search_queries_are_answered_as_text(client, world):
    for payload in PAYLOADS:
        for method in ("kb.search", "forums.search"):
            for output in ("xml", "json"):
                response = client.get("/api/index.php", query_string={"method": method, "output": output,
                                                                      "q": payload})
                assert response.status_code in (200, 400), response.status_code
                carried(response.get_data(as_text=True), output, payload, method, echoes=False)
