"""Bodies are capped when written, through the portal and the API.

Customers (notes, updates, forum topics and posts, large custom fields) get ``max_body_kb_customer``
(64 KB by default), staff (notes, KB pages, post edits, the welcome message) ``max_body_kb_staff``. A body
at the cap is accepted; one byte more is refused with an error beside the field, or in the API's error
envelope, that names the limit. Sizes are UTF-8 bytes: what the database, the mail and the page carry.
"""
import io

import pytest

from portal import settings, spam
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.requests.models import CustomField, Note, Request
from tests.portal_helpers import add_login_route

CAP = 64 * 1024
LIMIT_TEXT = "64 KB"


def exact(size: int) -> str:
    text = ("word " * (size // 5 + 1))[:size - 1] + "z"
    assert len(text.encode()) == size
    return text


def exact_wide(size: int) -> str:
    """``size`` bytes of two-byte characters (the cap counts bytes, not characters)."""
    assert size % 2 == 0
    text = "é" * (size // 2)
    assert len(text.encode()) == size
    return text


@pytest.fixture(autouse=True)
def human(monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)


@pytest.fixture
def desk(app):
    add_login_route(app)
    with app.app_context():
        settings.set_value("public_api", True)
        field = CustomField(name="Details", field_type="lrgtext", public=True, always_visible=True)
        forum = Forum(name="Help")
        topic = Topic(forum=forum, title="First", starter_name="Ann", post_count=1)
        db.session.add_all([field, forum, topic, Post(topic=topic, name="Ann", body="<p>Hi</p>")])
        db.session.commit()
        ids = {"field": field.id, "forum": forum.id, "topic": topic.id}
    client = app.test_client()
    response = client.post("/requests/new", data={"first_name": "Tim", "email": "t@example.com", "note": "Hello"})
    assert response.status_code == 302
    with app.app_context():
        req = db.session.execute(db.select(Request)).scalars().one()
        return {"key": req.access_key, "request_id": req.id, **ids}


def notes(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Note.id)))


def posts(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Post.id)))


def assert_refused_beside(response, field: str) -> None:
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = html.split(f'id="{field}-errors"', 1)
    assert len(errors) == 2, f"no errors beside {field}"
    assert LIMIT_TEXT in errors[1].split("</ul>", 1)[0]


@pytest.mark.parametrize("make", [exact, exact_wide])
def test_a_new_request_note_at_the_cap_is_accepted_and_one_byte_more_refused(app, client, desk, make):
    before = notes(app)
    over = client.post("/requests/new", data={"first_name": "Tim", "email": "t@example.com",
                                              "note": make(CAP) + "x"})
    assert_refused_beside(over, "note")
    assert notes(app) == before
    assert client.post("/requests/new", data={"first_name": "Tim", "email": "t@example.com",
                                              "note": make(CAP)}).status_code == 302
    assert notes(app) == before + 1


def test_a_customer_update_at_the_cap_is_accepted_and_one_byte_more_refused(app, client, desk):
    before = notes(app)
    assert_refused_beside(client.post(f"/requests/{desk['key']}", data={"update": exact(CAP + 1)}), "update")
    assert notes(app) == before
    assert client.post(f"/requests/{desk['key']}", data={"update": exact(CAP)}).status_code == 302
    assert notes(app) == before + 1


def test_the_api_caps_request_notes_and_updates_in_its_envelope(app, client, desk):
    before = notes(app)
    for method, extra in (("request.create", {"sEmail": "t@example.com"}), ("request.update", {"accesskey": desk["key"]})):
        over = client.post("/api/index.php", data={"method": method, "output": "json", "tNote": exact(CAP + 1), **extra})
        assert over.status_code == 400
        assert LIMIT_TEXT in over.get_json(force=True)["error"][0]["description"]
        assert notes(app) == before
        fine = client.post("/api/index.php", data={"method": method, "output": "json", "tNote": exact(CAP), **extra})
        assert fine.status_code == 200, fine.data
        before += 1
        assert notes(app) == before


def test_a_large_custom_field_is_capped_like_a_note(app, client, desk):
    data = {"first_name": "Tim", "email": "t@example.com", "note": "Hello", f"Custom{desk['field']}": exact(CAP + 1)}
    assert_refused_beside(client.post("/requests/new", data=data), f"Custom{desk['field']}")
    data[f"Custom{desk['field']}"] = exact(CAP)
    assert client.post("/requests/new", data=data).status_code == 302


def test_forum_topics_and_replies_are_capped_through_the_portal(app, client, desk):
    before = posts(app)
    topic = {"title": "A topic", "name": "Ann", "body": exact(CAP + 1)}
    assert_refused_beside(client.post(f"/forums/{desk['forum']}", data=topic), "body")
    assert_refused_beside(client.post(f"/forums/topics/{desk['topic']}", data={"name": "Ann", "body": exact(CAP + 1)}),
                          "body")
    assert posts(app) == before
    topic["body"] = exact(CAP)
    assert client.post(f"/forums/{desk['forum']}", data=topic).status_code == 303
    assert client.post(f"/forums/topics/{desk['topic']}", data={"name": "Ann", "body": exact(CAP)}).status_code == 303
    assert posts(app) == before + 2


def test_forum_topics_and_replies_are_capped_through_the_api(app, client, desk):
    before = posts(app)
    calls = (("forums.createTopic", {"xForumId": desk["forum"], "sTopic": "A topic"}),
             ("forums.createPost", {"xTopicId": desk["topic"]}))
    for method, extra in calls:
        over = client.post("/api/index.php", data={"method": method, "output": "json", "sName": "Ann",
                                                   "tPost": exact(CAP + 1), **extra})
        assert over.status_code == 400 and LIMIT_TEXT in over.get_data(as_text=True)
        assert posts(app) == before
        fine = client.post("/api/index.php", data={"method": method, "output": "json", "sName": "Ann",
                                                   "tPost": exact(CAP), **extra})
        assert fine.status_code == 200, fine.data
        before += 1


def test_staff_bodies_have_their_own_larger_cap(app, desk, make_staff):
    from portal.accounts.models import Staff
    from portal.forums import moderation
    from portal.kb import editing
    from portal.kb.models import Book, Chapter
    from portal.requests import workflow

    staff_cap = settings.DEFAULTS["max_body_kb_staff"][0] * 1024
    assert staff_cap > CAP
    staff_id = make_staff(role="administrator")
    with app.test_request_context():
        staff = db.session.get(Staff, staff_id)
        req = db.session.get(Request, desk["request_id"])
        chapter = Chapter(book=Book(name="Manual"), name="Start")
        db.session.add(chapter)
        post = db.session.get(Post, 1)
        for write in (lambda text: workflow.add_staff_note(req, staff, text, public=False),
                      lambda text: editing.save_page(staff, chapter, editing.PageInput(name="Page", body=text)),
                      lambda text: moderation.edit_post(staff, post, text),
                      lambda text: settings.set_value("welcome_message", text)):
            with pytest.raises(ValidationFailed) as refused:
                write(exact(staff_cap + 1))
            assert f"{staff_cap // 1024} KB" in refused.value.message
            write(exact(staff_cap))  # accepted
        db.session.rollback()


def test_staff_forms_show_the_limit_beside_the_field(app, desk, make_staff):
    staff_id = make_staff(role="administrator")
    with app.app_context():
        settings.set_value("max_body_kb_staff", 8)
        db.session.commit()
    client = app.test_client()
    client.get(f"/_test/login/staff/{staff_id}")
    response = client.post(f"/staff/requests/{desk['request_id']}/notes", content_type="multipart/form-data",
                           data={"visibility": "private", "body": exact(8 * 1024 + 1),
                                 "attachments": (io.BytesIO(b""), "")}, follow_redirects=True)
    assert "8 KB" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id)).where(Note.staff_id == staff_id)) == 0
