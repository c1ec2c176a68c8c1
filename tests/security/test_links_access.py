"""Signed, expiring, revocable links to one request.

Mails used to carry /requests/<access key>: a secret that never expires, cannot be withdrawn and opens
everything. They now carry /requests/link/<token>: one request, one scope (read, or reply = read and add an
update), signed, no email address in it, expiring after ``access_link_days``, and revoked at once when staff
withdraw the request's links. The access key itself keeps working (page and API)."""
import base64
import json
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from portal import settings
from portal.extensions import db
from portal.files import Upload
from portal.requests import access_links
from portal.requests.models import Note, Request
from portal.requests.services import RequestInput, add_note, create_request
from tests.requests.test_views import KEY_URL, form_data, open_request

LINK = re.compile(r"http://portal\.test(/requests/link/([A-Za-z0-9_.\-]+))")
DAY = 86400


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def agent(make_staff):
    return make_staff("agent@example.com", role="agent", first_name="Sam")


def links_in(message) -> list[str]:
    return [path for path, _ in LINK.findall(message.get_content())]


def issue(app, request_id: int, scope: str) -> str:
    with app.test_request_context():
        return "/requests/link/" + access_links.issue(db.session.get(Request, request_id), scope)


def payload_of(path: str) -> str:
    """What anyone holding the link can read in it (the signed part is base64 JSON, not encrypted)."""
    token = path.rsplit("/", 1)[1]
    data = token.split(".")[0]
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()


@pytest.fixture
def later(monkeypatch):
    """later(days): the links' clock moves on by that many days."""
    import time

    start = time.time()

    def move(days: float):
        monkeypatch.setattr(access_links, "clock", lambda: start + days * DAY)
    return move


# --- mails ------------------------------------------------------------------------------------------------

def test_the_auto_reply_carries_links_and_the_key_but_no_key_in_a_url(app, client, smtp_server):
    mailbox, _ = smtp_server
    response = client.post("/requests/new", data=form_data(app))
    key = KEY_URL.search(response.headers["Location"]).group(1)
    [message] = mailbox.messages
    body = message.get_content()
    assert f"Your access key: {key}" in body  # still shown: it keeps working
    assert f"/requests/{key}" not in body  # but never as a link any more
    reply_link, read_link = links_in(message)
    for path in (reply_link, read_link):
        assert "ana" not in payload_of(path).lower() and "@" not in path  # no email address in the URL
    assert json.loads(payload_of(reply_link))[1] == "reply" and json.loads(payload_of(read_link))[1] == "read"
    page = client.get(reply_link)
    assert page.status_code == 200 and "I was charged twice for one order." in page.get_data(as_text=True)


def test_a_staff_reply_mails_a_reply_link(app, client, smtp_server, agent):
    mailbox, _ = smtp_server
    request_id, key = open_request(app, email="buyer@example.com")
    client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "public", "body": "Fixed it"})
    [message] = mailbox.messages
    assert f"Your access key: {key}" in message.get_content() and f"/requests/{key}" not in message.get_content()
    client.post("/staff/logout")
    reply_link = links_in(message)[0]
    assert "Fixed it" in client.get(reply_link).get_data(as_text=True)
    assert client.post(reply_link, data={"update": "Thanks, it works"}).status_code == 302


def test_with_links_switched_off_mails_link_to_the_access_key_page(app, client, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        settings.set_value("access_link_days", 0)
        db.session.commit()
    key = KEY_URL.search(client.post("/requests/new", data=form_data(app)).headers["Location"]).group(1)
    body = mailbox.messages[0].get_content()
    assert f"http://portal.test/requests/{key}" in body and "/requests/link/" not in body


# --- scopes -----------------------------------------------------------------------------------------------

def test_a_reply_link_shows_the_request_page_privately_and_takes_an_update(app, client):
    request_id, key = open_request(app)
    link = issue(app, request_id, access_links.REPLY)
    response = client.get(link)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "It smokes when I print." in html
    assert '<meta name="robots" content="noindex, nofollow">' in html  # the access-key page's template
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "same-origin"  # never leaves the site in a Referer
    assert "no-store" in response.headers["Cache-Control"]
    assert key not in html  # a link never hands out the permanent key (a read link would become a reply one)
    assert f'action="{link}"' in html
    posted = client.post(link, data={"update": "It also beeps"})
    assert posted.status_code == 302 and posted.headers["Location"] == link
    assert "Thank you, your update was added" in client.get(link).get_data(as_text=True)
    with app.app_context():
        assert [n.body for n in db.session.get(Request, request_id).notes if n.is_public][-1] == "It also beeps"


def test_a_read_link_shows_the_request_but_refuses_an_update(app, client):
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.READ)
    html = client.get(link).get_data(as_text=True)
    assert "It smokes when I print." in html
    assert 'name="update"' not in html and "lets you read this request only" in html
    refused = client.post(link, data={"update": "Let me in"})
    assert refused.status_code == 403 and "lets you read this request only" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 1


def test_a_link_opens_only_its_own_request_files(app, client, agent):
    request_id, _ = open_request(app)
    other_id, _ = open_request(app, note="Someone else's")
    with app.test_request_context():
        public = add_note(db.session.get(Request, request_id), "Files", author_id=0, public=True, is_html=False,
                           uploads=[Upload("report.pdf", b"%PDF-1.4 report", "application/pdf")])
        private = add_note(db.session.get(Request, request_id), "Staff", author_id=agent, public=False,
                            is_html=False, uploads=[Upload("internal.txt", b"secret", "text/plain")])
        theirs = add_note(db.session.get(Request, other_id), "Theirs", author_id=0, public=True, is_html=False,
                           uploads=[Upload("theirs.txt", b"theirs", "text/plain")])
        db.session.commit()
        ids = [note.attachments[0].id for note in (public, private, theirs)]
    link = issue(app, request_id, access_links.READ)
    assert f'href="{link}/files/{ids[0]}"' in client.get(link).get_data(as_text=True)
    served = client.get(f"{link}/files/{ids[0]}")
    assert served.status_code == 200 and served.data == b"%PDF-1.4 report"
    assert client.get(f"{link}/files/{ids[1]}").status_code == 404  # a private note's file
    assert client.get(f"{link}/files/{ids[2]}").status_code == 404  # another request's file


# --- signed -----------------------------------------------------------------------------------------------

def test_a_forged_or_altered_link_opens_nothing(app, client):
    request_id, _ = open_request(app)
    other_id, _ = open_request(app, note="Someone else's")
    read = issue(app, request_id, access_links.READ)
    token = read.rsplit("/", 1)[1]
    data, rest = token.split(".", 1)
    # The same signature on a payload asking for the reply scope, or for another request.
    for payload in ([request_id, "reply", 0], [other_id, "read", 0]):
        forged = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        response = client.post(f"/requests/link/{forged}.{rest}", data={"update": "forged"})
        assert response.status_code == 404 and "This link is not valid" in response.get_data(as_text=True)
    # A well-formed link signed with another key.
    stranger = URLSafeTimedSerializer("not-our-secret", salt="portico-request-link").dumps([request_id, "reply", 0])
    assert client.get(f"/requests/link/{stranger}").status_code == 404
    for junk in ("x", "a.b.c", "." * 300, "%00"):
        assert client.get(f"/requests/link/{junk}").status_code == 404
    with app.app_context():
        assert [len(db.session.get(Request, i).notes) for i in (request_id, other_id)] == [1, 1]


# --- expiring ---------------------------------------------------------------------------------------------

def test_a_link_expires_after_the_configured_days_and_offers_the_access_key_form(app, client, later):
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.REPLY)
    later(29)
    assert client.get(link).status_code == 200  # (the page cache is on: an expired link must not be served from it)
    later(31)
    response = client.get(link)
    html = response.get_data(as_text=True)
    assert response.status_code == 410 and "This link has expired" in html
    assert 'action="/requests/check"' in html and 'name="access_key"' in html
    assert client.post(link, data={"update": "late"}).status_code == 410
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 1


def test_shortening_the_setting_shortens_links_already_sent(app, client, later):
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.READ)
    later(8)
    assert client.get(link).status_code == 200
    with app.app_context():
        settings.set_value("access_link_days", 7)
        db.session.commit()
    assert client.get(link).status_code == 410


def test_a_link_from_the_future_is_refused(app, client, later):
    request_id, _ = open_request(app)
    later(2)
    link = issue(app, request_id, access_links.READ)
    later(0)
    assert client.get(link).status_code == 410


# --- revocable --------------------------------------------------------------------------------------------

def test_staff_revoke_every_earlier_link_at_once_and_the_access_key_still_works(app, client, agent, smtp_server):
    mailbox, _ = smtp_server
    request_id, key = open_request(app, email="buyer@example.com")
    earlier = [issue(app, request_id, scope) for scope in (access_links.READ, access_links.REPLY)]
    assert all(client.get(link).status_code == 200 for link in earlier)  # (and kept by the page cache)
    client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert f'action="/staff/requests/{request_id}/revoke-links"' in page
    assert client.post(f"/staff/requests/{request_id}/revoke-links").status_code == 200  # asks to confirm
    assert client.get(earlier[0]).status_code == 200
    done = client.post(f"/staff/requests/{request_id}/revoke-links", data={"confirm": "1"})
    assert done.status_code == 302
    history = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "Emailed links withdrawn" in history
    # A new reply mails a new link, which works.
    client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "public", "body": "New answer"})
    client.post("/staff/logout")
    for link in earlier:
        response = client.get(link)
        assert response.status_code == 410 and "no longer works" in response.get_data(as_text=True)
        assert client.post(link, data={"update": "after revoke"}).status_code == 410
    assert client.get(f"/requests/{key}").status_code == 200  # the access key is untouched
    assert client.post(f"/requests/{key}", data={"update": "by key"}).status_code == 302
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    api = client.get("/api/index.php", query_string={"method": "request.get", "accesskey": key, "output": "json"})
    assert api.status_code == 200 and api.get_json()["xRequest"] == str(request_id)  # and the API's
    fresh = links_in(mailbox.messages[-1])[0]
    assert client.get(fresh).status_code == 200
    with app.app_context():
        assert [n.body for n in db.session.get(Request, request_id).notes if n.is_public and n.author_id == 0] == [
            "It smokes when I print.", "by key"]


def test_only_staff_with_request_rights_revoke_links(app, client, make_staff):
    make_staff("mod@example.com", role="moderator")
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.READ)
    assert client.post(f"/staff/requests/{request_id}/revoke-links", data={"confirm": "1"}).status_code in (302, 401, 403)
    client.post("/staff/login", data={"email": "mod@example.com", "password": "correct horse"})
    assert client.post(f"/staff/requests/{request_id}/revoke-links", data={"confirm": "1"}).status_code == 403
    client.post("/staff/logout")
    assert client.get(link).status_code == 200


def test_revoking_is_a_service_that_raises_forbidden_for_others(app, make_staff):
    from portal.accounts.models import Staff
    from portal.errors import Forbidden

    moderator = make_staff("mod@example.com", role="moderator")
    with app.test_request_context():
        req = create_request(RequestInput(note="Help", email="tim@example.com"), notify_customer=False)
        db.session.commit()
        with pytest.raises(Forbidden):
            access_links.revoke(req, db.session.get(Staff, moderator))
        with pytest.raises(Forbidden):
            access_links.revoke(req, None)
        assert req.link_generation == 0
        note_count = db.session.scalar(db.select(db.func.count(Note.id)).where(Note.request_id == req.id))
        assert note_count == 1


def test_a_closed_request_past_its_visible_days_stays_hidden_behind_a_link(app, client, later):
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.REPLY)
    with app.app_context():
        req = db.session.get(Request, request_id)
        req.is_open, req.closed_at = False, req.opened_at - timedelta(days=10)
        db.session.commit()
    response = client.get(link)
    assert "Request closed" in response.get_data(as_text=True)
    assert client.post(link, data={"update": "reopen please"}).status_code == 200  # shown closed, nothing added
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 1


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                                         "RATELIMIT_ACCESS_KEY": "2 per minute"}])
def test_link_pages_count_against_the_access_key_limit_head_included(app, client):
    request_id, _ = open_request(app)
    link = issue(app, request_id, access_links.READ)
    assert client.get(link).status_code == 200
    assert client.head(link).status_code == 200
    assert client.get(link).status_code == 429
    assert client.post(link, data={"update": "x"}).status_code == 429


def test_head_reads_a_request_page_and_never_runs_its_post(app, client):
    # HEAD is answered by the GET branch. These views took every method but GET for a post, so a HEAD (which
    # CSRF protection lets through as a safe method) with a form body added an update or tried a lookup.
    request_id, key = open_request(app)
    link = issue(app, request_id, access_links.REPLY)
    body = {"update": "sent with HEAD", "access_key": key}
    for url in (f"/requests/{key}", link, "/requests/new", "/requests/check"):
        assert client.head(url).status_code == 200, url
        # A HEAD carrying a body is refused before any view runs (tests/security/test_mail_*: HEAD bodies).
        assert client.head(url, data=body).status_code == 400, url
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 1
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1
