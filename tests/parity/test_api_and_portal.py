"""Parity: the HelpSpot API and the portal page for the same action go through the same service and
leave the same rows (apart from ids, random keys, times and the channel the request came in by)."""
import base64
import io

import pytest

from portal import settings, spam
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.requests.models import Category, CategoryField, CustomField, FieldValue, Note, Request

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture
def desk(app, monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda token, honeypot: True)
    with app.app_context():
        settings.set_value("public_api", True)
        field = CustomField(name="Order number", field_type="numtext", required=True)
        category = Category(name="Billing", has_field_list=True)
        db.session.add_all([field, category])
        db.session.flush()
        category.field_links = [CategoryField(field_id=field.id, position=0)]
        forum = Forum(name="Questions")
        db.session.add(forum)
        db.session.commit()
        return {"category": category.id, "field": field.id, "forum": forum.id}


def request_rows(request_id: int) -> dict:
    """Everything a created request consists of, without what differs by nature between two requests."""
    req = db.session.get(Request, request_id)
    notes = db.session.execute(db.select(Note).where(Note.request_id == request_id).order_by(Note.id)).scalars()
    return {
        "request": {c: getattr(req, c) for c in ("first_name", "last_name", "email", "phone", "title",
                                                 "category_id", "urgent", "is_open", "status_id", "trashed",
                                                 "assigned_to_id", "user_id")},
        "values": sorted((v.field_id, v.value) for v in db.session.execute(
            db.select(FieldValue).where(FieldValue.request_id == request_id)).scalars()),
        "notes": [{"body": n.body, "public": n.is_public, "initial": n.is_initial, "html": n.is_html,
                   "author": n.author_id, "log": n.log,
                   "files": [(a.filename, a.mime_type, a.size, a.sha256) for a in n.attachments]} for n in notes],
    }


def test_creating_a_request(app, client, desk):
    common = {"first_name": "Ana", "last_name": "Lopez", "email": "Ana@Example.org", "phone": "555",
              "note": "Charged twice for order 10452.", "Custom": "10452"}
    api = client.post("/api/index.php", query_string={"method": "request.create", "output": "json"}, data={
        "sFirstName": common["first_name"], "sLastName": common["last_name"], "sEmail": common["email"],
        "sPhone": common["phone"], "tNote": common["note"], "xCategory": desk["category"],
        f"Custom{desk['field']}": common["Custom"], "File1_sFilename": "receipt.png",
        "File1_sFileMimeType": "image/png", "File1_bFileBody": base64.b64encode(PNG).decode()})
    assert api.status_code == 200, api.data
    api_id = int(api.get_json(force=True)["xRequest"])

    portal = client.post("/requests/new", content_type="multipart/form-data", data={
        "first_name": common["first_name"], "last_name": common["last_name"], "email": common["email"],
        "phone": common["phone"], "title": "", "note": common["note"], "category": str(desk["category"]),
        f"Custom{desk['field']}": common["Custom"], "attachments": (io.BytesIO(PNG), "receipt.png", "image/png")})
    assert portal.status_code == 302, portal.data
    with app.app_context():
        portal_id = db.session.scalar(db.select(db.func.max(Request.id)))
        assert portal_id != api_id
        api_rows, portal_rows = request_rows(api_id), request_rows(portal_id)
        assert api_rows == portal_rows
        assert api_rows["request"]["email"] == "ana@example.org"
        assert api_rows["notes"][0]["files"][0][:3] == ("receipt.png", "image/png", len(PNG))
        channels = {db.session.get(Request, api_id).opened_via, db.session.get(Request, portal_id).opened_via}
        assert channels == {6, 7}  # Web Service and Web Form: the only difference


def test_the_same_bad_input_is_refused_by_both_with_the_same_reason(app, client, desk):
    api = client.post("/api/index.php", query_string={"method": "request.create", "output": "json"}, data={
        "sEmail": "ana@example.org", "tNote": "x", "xCategory": desk["category"], f"Custom{desk['field']}": "12a"})
    portal = client.post("/requests/new", data={"first_name": "Ana", "email": "ana@example.org", "note": "x",
                                                "category": str(desk["category"]), f"Custom{desk['field']}": "12a"})
    reason = "Order number must be a whole number."
    assert api.status_code == 400 and reason in api.get_json(force=True)["error"][0]["description"]
    assert portal.status_code == 400 and reason in portal.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_customer_updates(app, client, desk):
    keys = []
    for _ in range(2):
        created = client.post("/api/index.php", query_string={"method": "request.create", "output": "json"},
                              data={"sEmail": "c@example.com", "tNote": "Help", "xCategory": desk["category"],
                                    f"Custom{desk['field']}": "1"})
        keys.append(created.get_json(force=True)["accesskey"])
    with app.app_context():  # both closed, so both updates must reopen
        db.session.execute(db.update(Request).values(is_open=False, status_id=3))
        db.session.commit()
    api = client.post("/api/index.php", query_string={"method": "request.update"},
                      data={"accesskey": keys[0], "tNote": "Still broken."})
    portal = client.post(f"/requests/{keys[1]}", data={"update": "Still broken."})
    assert api.status_code == 200 and portal.status_code in (302, 303)
    with app.app_context():
        first, second = (request_rows(int(k.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")))
                         for k in keys)
        assert first == second
        assert first["request"]["is_open"] and first["notes"][-1]["body"] == "Still broken."


def test_forum_topics_and_replies(app, client, desk):
    api_topic = client.post("/api/index.php", query_string={"method": "forums.createTopic", "output": "json"},
                            data={"xForumId": desk["forum"], "sTopic": "Sync is slow", "sName": "Bob",
                                  "tPost": "Since <b>Monday</b>.", "sEmail": "bob@example.com",
                                  "fEmailUpdate": "1"})
    assert api_topic.status_code == 200, api_topic.data
    portal_topic = client.post(f"/forums/{desk['forum']}-questions", data={
        "title": "Sync is slow", "name": "Bob", "body": "Since <b>Monday</b>.", "email": "bob@example.com",
        "fEmailUpdate": "1"})
    assert portal_topic.status_code in (302, 303), portal_topic.data
    with app.app_context():
        topics = db.session.execute(db.select(Topic).order_by(Topic.id)).scalars().all()
        assert len(topics) == 2
        for topic in topics:
            client.post("/api/index.php" if topic is topics[0] else f"/forums/topics/{topic.id}-sync-is-slow",
                        query_string={"method": "forums.createPost"} if topic is topics[0] else None,
                        data={"xTopicId": topic.id, "sName": "Jen", "tPost": "Same here"} if topic is topics[0]
                        else {"name": "Jen", "body": "Same here"})

        def shape(topic):
            posts = db.session.execute(db.select(Post).where(Post.topic_id == topic.id).order_by(Post.id)).scalars()
            return ({"title": topic.title, "starter": topic.starter_name, "count": topic.post_count},
                    [(p.name, p.email, p.body, p.email_updates, p.spam) for p in posts])

        db.session.expire_all()
        assert shape(topics[0]) == shape(topics[1])
        assert shape(topics[0])[0]["count"] == 2
