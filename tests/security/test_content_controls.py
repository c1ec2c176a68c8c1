"""A control character in a topic title broke the forum's RSS feed for every
subscriber (XML 1.0 cannot carry C0 controls, even escaped). Titles and names lose their control
characters when written (tabs and line breaks become spaces: they are one line), bodies keep only tabs and
line breaks; and the feed drops whatever XML cannot carry, for rows written before."""
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from portal import settings, spam
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Tag
from portal.requests.models import Request

CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f"
NOT_XML = "\x01\x08\x0b\x0c\x1b\x1f\ufffe\uffff"  # (no NUL: PostgreSQL cannot store one)


def test_a_feed_with_control_characters_in_old_rows_still_parses(app, client):
    with app.app_context():
        settings.set_value("portal_name", "Acme Help")
        forum = Forum(name=f"News{NOT_XML}", description=f"All{NOT_XML} news")
        topic = Topic(forum=forum, title=f"Release{NOT_XML} 2", starter_name="Team\x1b", post_count=1,
                      posted_at=datetime(2024, 3, 1))
        db.session.add_all([forum, topic, Post(topic=topic, name="Team", body=f"<p>Notes{NOT_XML} here</p>")])
        db.session.commit()
        forum_id = forum.id
    response = client.get(f"/forums/{forum_id}/feed.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # ParseError before: "not well-formed (invalid token)"
    item = root.find("channel").find("item")
    assert item.findtext("title") == "Release 2"
    assert item.findtext("description") == "<p>Notes here</p>"
    assert root.find("channel").findtext("title").startswith("News ·")


@pytest.fixture
def human(monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)


def test_forum_titles_and_names_lose_control_characters_when_written(app, client, human):
    with app.app_context():
        settings.set_value("public_api", True)
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
    assert client.post(f"/forums/{forum_id}", data={"title": f"Broken{CONTROLS}feed\ttitle", "name": f"Ann{CONTROLS}",
                                                    "body": f"line one{CONTROLS}\nline two"}).status_code == 303
    api = client.post("/api/index.php", data={"method": "forums.createTopic", "output": "json", "xForumId": forum_id,
                                              "sTopic": f"Via{CONTROLS}api", "sName": "Bo\x1b", "tPost": "hello"})
    assert api.status_code == 200, api.data
    with app.app_context():
        topics = {t.title: t for t in db.session.execute(db.select(Topic)).scalars()}
        assert set(topics) == {"Brokenfeed title", "Viaapi"}
        assert {t.starter_name for t in topics.values()} == {"Ann", "Bo"}
        body = db.session.execute(db.select(Post.body).where(Post.topic_id == topics["Brokenfeed title"].id)).scalar()
        assert not any(c in body for c in CONTROLS) and "line one" in body and "line two" in body
    root = ET.fromstring(client.get(f"/forums/{forum_id}/feed.xml").data)
    assert {item.findtext("title") for item in root.iter("item")} == {"Brokenfeed title", "Viaapi"}


def test_request_titles_names_and_notes_lose_control_characters(app, client, human):
    response = client.post("/requests/new", data={"first_name": f"Tim{CONTROLS}", "last_name": "Lee\x1b",
                                                  "email": "t@example.com", "title": f"Printer{CONTROLS}\nfire",
                                                  "note": f"It{CONTROLS} burns\n\tbadly"})
    assert response.status_code == 302
    with app.app_context():
        req = db.session.execute(db.select(Request)).scalars().one()
        assert (req.first_name, req.last_name, req.title) == ("Tim", "Lee", "Printer fire")
        assert req.notes[0].body == "It burns\n\tbadly"


def test_kb_names_and_tags_lose_control_characters(app, make_staff):
    from portal.accounts.models import Staff
    from portal.kb import editing

    staff_id = make_staff(role="administrator")
    with app.test_request_context():
        staff = db.session.get(Staff, staff_id)
        book = editing.save_book(staff, name=f"Guide{CONTROLS}", description=f"About{CONTROLS}\nthings")
        chapter = editing.save_chapter(staff, book, name="Start\x0b")
        page = editing.save_page(staff, chapter, editing.PageInput(name="Install\x1b", body="<p>x\x0c</p>",
                                                                   tags=["setup\x07", "ok"]))
        db.session.commit()
        assert (book.name, book.description, chapter.name, page.name) == ("Guide", "About\nthings", "Start", "Install")
        assert sorted(t.name for t in db.session.execute(db.select(Tag)).scalars()) == ["ok", "setup"]
        assert page.body == "<p>x</p>"
