"""Every XSS payload of the corpus, sent through the real forms, comes back inert on every page that shows
it: the customer's request page, the staff request page and queue, forum topics, lists and feeds, KB pages
written through the staff editor, account pages that echo input, and the search page. Each page type runs
the whole corpus in a loop inside one test (a test per payload would rebuild the app 82 times)."""
import re
from html import unescape
from xml.etree import ElementTree

import pytest

from portal import settings, spam
from portal.extensions import db
from tests.portal_helpers import add_login_route
from tests.security.payloads import PAYLOADS, TEMPLATE_RESULTS, assert_inert, assert_not_evaluated
from tests.security.test_injection import World


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)
    add_login_route(app)
    with app.app_context():
        settings.set_value("spam_link_count", 0)  # links must not hold a payload out of sight as spam
        settings.set_value("allow_subject", True)
        db.session.commit()
    return World.build(app)


def staff_client(app, world):
    client = app.test_client()
    client.get(f"/_test/login/staff/{world.admin_id}")
    return client


def shown(response, payload: str, what: str, *, echoes: bool = True) -> str:
    """The page, checked: nothing active in it, and a template payload it shows back is not evaluated."""
    assert response.status_code < 500, (what, response.status_code)
    html = response.get_data(as_text=True)
    try:
        assert_inert(html, page=True)
        if TEMPLATE_RESULTS.get(payload, "").isdigit() and echoes:
            # "49" is on many pages anyway (ids, counts): the proof is the literal text shown back instead.
            assert payload in unescape(html), "the template payload is not shown as typed"
        else:
            assert_not_evaluated(html, payload)
    except AssertionError as exc:
        raise AssertionError(f"{what} with payload {payload!r}: {exc}") from None
    return html


def test_request_form_fields_notes_and_custom_fields(app, client, world):
    staff = staff_client(app, world)
    shown_somewhere = 0
    for payload in PAYLOADS:
        response = client.post("/requests/new", data={
            "first_name": payload[:50], "last_name": payload[-50:], "email": "tsmith@companyco.com",
            "phone": payload[:32], "title": payload, "note": payload, f"Custom{world.field_id}": payload,
            "category": str(world.category_id)})
        if response.status_code != 302:  # refused: the form is shown again with what was typed
            shown(response, payload, "request form shown again")
            continue
        key = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        html = shown(client.get(f"/requests/{key}"), payload, "customer request page")
        shown_somewhere += payload.strip() and "XSS" in payload and ("XSS" in html)
        response = client.post(f"/requests/{key}", data={"update": payload})
        shown(response if response.status_code != 302 else client.get(f"/requests/{key}"), payload,
              "request page after an update")
        with app.app_context():
            from portal.requests.models import Request

            request_id = db.session.scalar(db.select(Request.id).order_by(Request.id.desc()).limit(1))
        shown(staff.get(f"/staff/requests/{request_id}"), payload, "staff request page")
    shown(staff.get("/staff/requests"), "", "staff queue")
    shown(staff.get("/staff/"), "", "staff dashboard")
    assert shown_somewhere >= 40  # the payloads really were on the pages


def test_forum_topics_replies_lists_feeds_and_staff_moderation(app, client, world):
    staff = staff_client(app, world)
    topic_url = f"/forums/topics/{world.topic_id}"
    topics = 0
    for payload in PAYLOADS:
        response = client.post(f"/forums/{world.forum_id}", data={"title": payload, "name": payload[:50],
                                                                  "body": payload, "email": "a@example.com"})
        if response.status_code in (302, 303):
            topics += 1
            page = client.get(response.headers["Location"])
            shown(page, payload, "new topic page")
        else:
            shown(response, payload, "new topic form shown again")
        response = client.post(topic_url, data={"name": payload[:50], "body": payload})
        shown(response if response.status_code not in (302, 303) else client.get(response.headers["Location"]),
              payload, "topic page after a reply")
    assert topics >= 70
    html = shown(client.get(f"/forums/{world.forum_id}", follow_redirects=True), "", "forum topic list")
    assert html.count("XSS") >= 10
    shown(client.get("/forums"), "", "forum index")
    shown(client.get("/"), "", "home page")
    shown(staff.get("/staff/forums/newest"), "", "staff newest posts")
    shown(staff.get(f"/staff/forums/topics/{world.topic_id}"), "", "staff topic")
    feed = client.get(f"/forums/{world.forum_id}/feed.xml")
    assert feed.status_code == 200
    root = ElementTree.fromstring(feed.data)  # well-formed whatever the titles held
    assert not {e.tag for e in root.iter()} & {"script", "iframe", "img", "svg"}
    for description in root.iter("description"):
        assert_inert(description.text or "")


def test_kb_pages_written_through_the_staff_editor(app, client, world):
    staff = staff_client(app, world)
    new_page = f"/staff/kb/chapters/{world.chapter_id}/pages/new"
    made = 0
    for payload in PAYLOADS:
        response = staff.post(new_page, data={"name": payload, "body": payload, "tags": payload[:40]})
        if response.status_code not in (302, 303):
            shown(response, payload, "KB editor shown again")
            continue
        made += 1
        with app.app_context():
            from portal.kb.models import Page

            page_id = db.session.scalar(db.select(Page.id).order_by(Page.id.desc()))
        shown(client.get(f"/kb/pages/{page_id}", follow_redirects=True), payload, "KB page")
        shown(staff.get(f"/staff/kb/pages/{page_id}"), payload, "staff KB editor")
        preview = staff.post(f"/staff/kb/pages/{page_id}", data={"name": payload, "body": payload,
                                                                 "action": "preview"})
        shown(preview, payload, "KB editor preview")
    assert made >= 70
    shown(client.get(f"/kb/chapters/{world.chapter_id}", follow_redirects=True), "", "KB chapter")
    shown(client.get(f"/kb/books/{world.book_id}", follow_redirects=True), "", "KB book")
    shown(client.get(f"/kb/books/{world.book_id}/print"), "", "KB printable book")
    shown(client.get("/kb"), "", "KB books")
    shown(client.get("/"), "", "home page")
    with app.app_context():
        from portal.kb.models import Tag

        tag_ids = db.session.scalars(db.select(Tag.id)).all()
    for tag_id in tag_ids[:20]:
        shown(client.get(f"/tags/{tag_id}", follow_redirects=True), "", "tag page")


def test_search_page_and_suggestions_echo_the_query_inert(app, client, world):
    for payload in PAYLOADS:
        for area in ("", "kb", "forums"):
            shown(client.get("/search", query_string={"q": payload, "area": area}), payload, "search page")
        response = client.get("/search/suggest", query_string={"q": payload})
        assert response.status_code == 200 and response.is_json
        response.get_json()


def test_account_pages_that_echo_input(app, client, world, monkeypatch):
    from portal.accounts import services as accounts

    monkeypatch.setattr(accounts, "_spend_a_password_check", lambda password: None)  # timing is not tested here
    for payload in PAYLOADS:
        shown(client.post("/account/login", data={"email": payload, "password": "x"}), payload, "customer login")
        shown(client.post("/account/register", data={"email": payload, "password": "long enough pw",
                                                     "confirm": "different"}), payload, "register")
        shown(client.post("/account/forgot", data={"email": payload}, follow_redirects=True), payload,
              "forgot password", echoes=False)
        shown(client.get("/account/login", query_string={"email": payload, "next": payload}), payload, "login ?email=")
        shown(client.get("/requests/new", query_string={"first_name": payload, "note": payload, "title": payload}),
              payload, "request form prefilled from a link")
        shown(client.post("/staff/login", data={"email": payload, "password": "x"}), payload, "staff login")
        shown(client.post("/requests/check", data={"access_key": payload}), payload, "access key lookup")
    html = client.get("/account/login", query_string={"email": PAYLOADS[0]}).get_data(as_text=True)
    assert "&lt;script&gt;" in html or "&lt;script>" in html  # shown back, escaped


def test_staff_pages_show_customer_data_inert(app, world):
    # Names, emails and custom fields a customer typed, on every staff page that lists them.
    staff = staff_client(app, world)
    from portal.requests.services import RequestInput, create_request

    ids = []
    with app.test_request_context():
        for payload in PAYLOADS:
            req = create_request(RequestInput(note=payload, first_name=payload[:50], last_name=payload[-50:],
                                              email="tsmith@companyco.com", title=payload,
                                              custom={world.field_id: payload}, category_id=world.category_id),
                                 [], check_spam=False)
            ids.append(req.id)
        db.session.commit()
    for page in range(1, 6):
        html = shown(staff.get("/staff/requests", query_string={"page": page}), "", "staff queue")
        if "XSS" not in html:
            break
    shown(staff.get("/staff/requests", query_string={"q": PAYLOADS[0]}), PAYLOADS[0], "staff queue search")
    for request_id in ids[::7]:
        shown(staff.get(f"/staff/requests/{request_id}"), "", "staff request page")
    assert re.search(r"XSS", staff.get(f"/staff/requests/{ids[0]}").get_data(as_text=True))
