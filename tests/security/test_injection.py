"""SQL metacharacters in every parameter change nothing: every API method (public and private) and the
portal's search, lookup and forms answer a well-formed reply (200, the error envelope, or a 4xx page),
never a 500; no table's row count changes except where the call legitimately creates a row, and then
the stored value is exactly what was sent.

Also home of ``World`` (one of every kind of row, with ids) and ``row_counts``, shared by the other
attack tests of this folder."""
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from portal import settings, spam
from portal.api.registry import REGISTRY, lookup
from portal.extensions import db
from tests import factories

NASTY = [
    "'", '"', "' OR 1=1 --", "'; DROP TABLE request; --", "\"; DROP TABLE note; --", "1; DELETE FROM post",
    "%", "_", "%_%", "\\", "\\'", "a\x00b", "x" * 5000, "Ünïcødé ✓ 日本語 🙂 \u202e", "1' UNION SELECT * FROM staff --",
]
# Rows a call may legitimately add: a failed login is recorded (the throttle counts them).
BOOKKEEPING = {"login_attempt", "search_count", "page_view", "deflection_event"}  # and searches, views, visits counted


def typed(value: str) -> str:
    """What a stored value must equal: the input as sent, trimmed, less NUL characters (dropped at the
    edge by portal.security: no person types one and PostgreSQL cannot store one)."""
    return value.replace("\x00", "").strip()


def row_counts(app) -> dict[str, int]:
    """Row count of every table, in one statement."""
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        sql = " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM \"{name}\"" for name in tables)
        return dict(db.session.execute(text(sql)).all())


def without_bookkeeping(counts: dict) -> dict:
    return {name: count for name, count in counts.items() if name not in BOOKKEEPING}


@dataclass
class World:
    """One of every kind of row the pages and methods read, committed; ids only (sessions close)."""
    admin_id: int
    agent_id: int
    customer_id: int
    token_id: int
    token: str
    reset_token: str
    request_id: int
    access_key: str
    attachment_id: int
    other_request_id: int
    other_access_key: str
    other_attachment_id: int
    category_id: int
    field_id: int
    forum_id: int
    topic_id: int
    post_id: int
    known_id: int
    book_id: int
    chapter_id: int
    page_id: int
    kb_attachment_id: int
    private_book_id: int
    private_page_id: int
    private_kb_attachment_id: int
    hidden_page_id: int
    hidden_kb_attachment_id: int

    @classmethod
    def build(cls, app) -> "World":
        from portal.accounts.models import Staff
        from portal.accounts.services import start_password_reset
        from portal.files import Upload
        from portal.forums.models import KnownUser
        from portal.forums.services import PostInput
        from portal.kb import editing

        with app.test_request_context():
            admin = factories.staff("admin@example.com", role="administrator", first_name="Ada")
            agent = factories.staff("agent@example.com", role="agent", first_name="Alan")
            customer = factories.customer("tsmith@companyco.com", "nusoxdln")
            token, secret = factories.api_token(admin, "script")
            _, reset = start_password_reset("tsmith@companyco.com")
            field = factories.custom_field("Office", "text", public=True, always_visible=True)
            category = factories.category("Bugs", [field])
            req = factories.request("This is the request.", "tsmith@companyco.com",
                                    [Upload("report.txt", b"first file")], notify_customer=True, first_name="Tim",
                                    category_id=category.id)
            other = factories.request("Another customer's request.", "other@example.com",
                                      [Upload("secret.txt", b"other customer's file")], notify_customer=True,
                                      first_name="Olga")
            forum = factories.forum("General", "Talk")
            topic, (_, post) = factories.topic_with_replies(
                forum, PostInput(body="First post", name="Sam", title="Hello"), PostInput(body="A reply", name="Kim"))
            known = KnownUser(name="Sam", label="Expert User")
            db.session.add(known)
            book = factories.book("Manual")
            private_book = factories.book("Internal", private=True)
            chapter = factories.chapter(book, "Start")
            private_chapter = factories.chapter(private_book, "Secrets")
            page = factories.page(chapter, "Install", "<p>Install it.</p>")
            hidden = factories.page(chapter, "Draft", "<p>Not yet.</p>", hidden=True)
            private_page = factories.page(private_chapter, "Keys", "<p>Internal.</p>")
            files = [editing.add_attachment(admin, p, Upload(f"{p.name}.txt", f"{p.name} file".encode()))
                     for p in (page, private_page, hidden)]
            db.session.commit()
            world = cls(
                admin_id=admin.id, agent_id=agent.id, customer_id=customer.id, token_id=token.id, token=secret,
                reset_token=reset, request_id=req.id, access_key=req.access_key,
                attachment_id=req.initial_note.attachments[0].id, other_request_id=other.id,
                other_access_key=other.access_key, other_attachment_id=other.initial_note.attachments[0].id,
                category_id=category.id, field_id=field.id, forum_id=forum.id, topic_id=topic.id, post_id=post.id,
                known_id=known.id, book_id=book.id, chapter_id=chapter.id, page_id=page.id,
                kb_attachment_id=files[0].id, private_book_id=private_book.id, private_page_id=private_page.id,
                private_kb_attachment_id=files[1].id, hidden_page_id=hidden.id, hidden_kb_attachment_id=files[2].id)
            assert db.session.get(Staff, admin.id).role == "administrator"
        return world


@pytest.fixture
def world(app):
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    return World.build(app)


def valid_params(world, method) -> dict[str, str]:
    """Parameters that make ``method`` succeed, so a nasty value in one of them reaches the service."""
    base = {"xForumId": world.forum_id, "xTopicId": world.topic_id, "xBook": world.book_id, "xPage": world.page_id,
            "accesskey": world.access_key, "xRequest": world.request_id, "xCategory": world.category_id,
            "sEmail": "tsmith@companyco.com", "sPassword": "nusoxdln", "tNote": "a note", "sName": "Sam",
            "tPost": "a post", "sTopic": "a topic", "q": "install", "sFirstName": "Tim"}
    return {name: str(base[name]) for name in method.required + method.optional if name in base}


def parameter_names(method) -> list[str]:
    names = []
    for name in method.required + method.optional:
        if name.startswith("File#"):
            names.append(name.replace("#", "1"))
        elif name == "Custom#":
            names.append("Custom1")
        else:
            names.append(name)
    return names


def assert_well_formed(response, output: str, context: str) -> None:
    assert response.status_code != 500 and response.status_code < 500, f"{context}: {response.status_code}"
    assert response.status_code == 200 or 400 <= response.status_code < 500, f"{context}: {response.status_code}"
    body = response.get_data(as_text=True)
    if output == "json":
        json.loads(body)
    else:
        root = ET.fromstring(body)
        if response.status_code != 200:
            assert root.tag == "errors" and root.find("error/id") is not None, f"{context}: {body[:300]}"


CREATES = {"request.create", "request.update", "forums.createTopic", "forums.createPost", "private.request.create",
           "private.request.update", "kb.voteHelpful", "kb.voteNotHelpful", "private.customer.setPasswordByEmail",
           # the staff workspace's writes (a text parameter is stored as sent)
           "private.addressbook.createContact", "private.request.addTimeEvent", "private.request.subscribe",
           "private.request.markTrash", "private.request.markSpam"}


def all_methods():
    lookup("version")  # imports every method module
    return sorted(REGISTRY.values(), key=lambda m: m.name)


@pytest.mark.parametrize("value", NASTY, ids=lambda v: repr(v)[:24])
def test_every_api_parameter_shrugs_off_sql_metacharacters(app, client, world, monkeypatch, value):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)
    auth = {"Authorization": f"Bearer {world.token}"}
    methods = all_methods()
    assert len(methods) >= 30
    before = row_counts(app)
    for method in methods:
        names = parameter_names(method)
        calls = [{name: value for name in names}]  # everything nasty: ids are refused, nothing runs
        calls += [{**valid_params(world, method), name: value} for name in names]  # one nasty among valid ones
        for params in calls:
            response = client.post("/api/index.php", data={"method": method.name, **params},
                                   headers=auth if method.private else None)
            context = f"{method.name} {sorted(k for k, v in params.items() if v == value)}"
            assert_well_formed(response, "xml", context)
            after = row_counts(app)
            if method.name not in CREATES or response.status_code != 200:
                assert without_bookkeeping(after) == without_bookkeeping(before), context
            before = after
    assert row_counts(app)["request"] >= 2  # nothing was dropped


def test_values_stored_through_the_api_are_exactly_what_was_sent(app, client, world):
    for value in NASTY:
        check_api_stores(app, client, world, value)


def check_api_stores(app, client, world, value):
    from portal.forums.models import Post
    from portal.requests.models import Note, Request

    response = client.post("/api/index.php", data={"method": "request.create", "tNote": value, "sFirstName": "Tim",
                                                   "sEmail": "tsmith@companyco.com", "output": "json"})
    assert_well_formed(response, "json", "request.create")
    if response.status_code == 200:
        request_id = response.get_json(force=True)["xRequest"]
        with app.app_context():
            req = db.session.get(Request, int(request_id))
            assert req.notes[0].body == typed(value)
    else:  # refused as a whole: nothing half-created
        assert b"<id>" in response.data or "error" in response.get_data(as_text=True)
    response = client.post("/api/index.php", data={"method": "forums.createPost", "xTopicId": world.topic_id,
                                                   "sName": "Sam", "tPost": value, "output": "json"})
    assert_well_formed(response, "json", "forums.createPost")
    if response.status_code == 200:
        post_id = response.get_json(force=True)["xPostId"]
        with app.app_context():
            stored = db.session.get(Post, int(post_id)).body
            assert _html_text(stored) == typed(value)  # posts are stored as cleaned HTML of the typed text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Note)) >= 2


@pytest.fixture
def human(monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)


def assert_page(response, context):
    assert response.status_code < 500, f"{context}: {response.status_code}"


def test_portal_search_lookup_and_forms_shrug_off_sql_metacharacters(app, client, world, human):
    for value in NASTY:
        check_portal(app, client, world, value)


def check_portal(app, client, world, value):
    before = without_bookkeeping(row_counts(app))
    for url in ("/search", "/search/suggest"):
        for area in ("", "kb", "forums"):
            assert_page(client.get(url, query_string={"q": value, "area": area, "page": value}), url)
    assert_page(client.get("/requests/check", query_string={"key": value, "accesskey": value}), "lookup GET")
    assert_page(client.post("/requests/check", data={"access_key": value, "key": value}), "lookup POST")
    assert_page(client.get("/requests/" + (value.replace("/", "")[:300] or "x")), "check")
    assert_page(client.post("/account/login", data={"email": value, "password": value}), "customer login")
    assert_page(client.post("/staff/login", data={"email": value, "password": value}), "staff login")
    assert_page(client.post("/account/forgot", data={"email": value}), "forgot")
    assert_page(client.get(f"/account/reset/{value.replace('/', '')[:300] or 'x'}"), "reset")
    assert_page(client.get("/index.php", query_string={"pg": value, "id": value}), "legacy")
    assert without_bookkeeping(row_counts(app)) == before
    # Forms that create a row: the row holds exactly what was typed.
    counts = row_counts(app)
    response = client.post("/requests/new", data={"first_name": value[:100], "email": "tsmith@companyco.com",
                                                  "note": value, "last_name": value[:100], "phone": value[:32]})
    assert_page(response, "new request")
    _check_created(app, counts, "request", response, lambda: _last_note_body(app), value)
    counts = row_counts(app)
    response = client.post(f"/forums/topics/{world.topic_id}", data={"name": "Sam", "body": value})
    assert_page(response, "reply")
    _check_created(app, counts, "post", response, lambda: _last_post_body(app), value)
    counts = row_counts(app)
    response = client.post(f"/requests/{world.access_key}", data={"update": value})
    assert_page(response, "customer update")
    _check_created(app, counts, "note", response, lambda: _last_note_body(app), value)


def _last_note_body(app):
    from portal.requests.models import Note

    with app.app_context():
        return db.session.scalar(db.select(Note.body).order_by(Note.id.desc()).limit(1))


def _last_post_body(app):
    from portal.forums.models import Post

    with app.app_context():
        return db.session.scalar(db.select(Post.body).order_by(Post.id.desc()).limit(1))


def _check_created(app, before, table, response, stored, value):
    after = row_counts(app)
    if after[table] == before[table]:  # refused (a 4xx page with the reason): nothing else changed either
        assert without_bookkeeping(after) == without_bookkeeping(before)
        assert response.status_code >= 400 or response.status_code == 200
        return
    assert after[table] == before[table] + 1
    body = stored()
    # Plain text is stored as typed (HTML-escaped on output), or wrapped as cleaned HTML: the typed text survives.
    plain = typed(value)
    assert body == plain or plain in body or _html_text(body) == plain, (table, body[:200])


def _html_text(html: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html)).strip()
