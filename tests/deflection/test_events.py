"""Suggestions beside the forms, and the deflection events they record (through the HTTP endpoints)."""
import re
from datetime import timedelta

import pytest

from portal.deflection import events, report
from portal.deflection.models import DeflectionEvent, DeflectionWeek
from portal.deflection.rollup import roll_up
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page
from portal.requests.models import Category, Request
from tests.requests.test_views import human


@pytest.fixture
def content(app):
    with app.app_context():
        chapter = Chapter(book=Book(name="User Guide"), name="Mail")
        hidden = Chapter(book=Book(name="Internal", private=True), name="Ops")
        forum = Forum(name="Questions")
        topic = Topic(forum=forum, title="Printer jams every morning", starter_name="Ann", post_count=1)
        billing = Category(name="Billing")
        db.session.add_all([
            Page(chapter=chapter, name="Printer setup", body="<p>Connect the printer to the network.</p>"),
            Page(chapter=chapter, name="Printer secrets", body="<p>printer</p>", hidden=True),
            Page(chapter=hidden, name="Printer runbook", body="<p>printer</p>"),
            forum, topic, Post(topic=topic, name="Ann", body="<p>The printer jams.</p>"), billing])
        db.session.commit()
        pages = {p.name: p.id for p in db.session.scalars(db.select(Page))}
        return {"pages": pages, "topic": topic.id, "billing": billing.id, "forum": forum.id}


def kinds(app) -> list[tuple]:
    with app.app_context():
        return sorted((e.kind, e.form, e.category_id, e.target_kind, e.target_id)
                      for e in db.session.scalars(db.select(DeflectionEvent)))


def test_suggestions_list_visible_pages_and_topics_and_start_a_visit(app, client, content):
    reply = client.get("/help/suggest", query_string={"q": "my printe", "form": "request",
                                                      "category": content["billing"]})
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    data = reply.get_json()
    assert {(r["kind"], r["title"]) for r in data["results"]} == {("page", "Printer setup"),
                                                                  ("topic", "Printer jams every morning")}
    assert re.fullmatch(r"[\w-]+\.[0-9a-f]{16}", data["visit"])
    assert kinds(app) == [("shown", "request", content["billing"], "", 0),
                          ("started", "request", content["billing"], "", 0)]
    # Typing on in the same visit counts nothing again.
    client.get("/help/suggest", query_string={"q": "printer setup", "visit": data["visit"]})
    assert len(kinds(app)) == 2


def test_a_forged_visit_starts_a_new_one(app, client, content):
    data = client.get("/help/suggest", query_string={"q": "printer", "visit": "made-up.0123456789abcdef"}).get_json()
    assert data["visit"] != "made-up.0123456789abcdef"
    with app.test_request_context():
        assert events.checked_visit("made-up.0123456789abcdef") is None
        assert events.record("made-up.0123456789abcdef", "answered", "request") is False


def test_open_then_answered_is_counted_once_and_ends_the_visit(app, client, content):
    data = client.get("/help/suggest", query_string={"q": "printer", "form": "request"}).get_json()
    page = next(r for r in data["results"] if r["kind"] == "page")
    opened = client.get(page["open_url"])
    assert opened.status_code == 303 and opened.headers["Location"].endswith(page["url"])
    client.get(page["open_url"])  # opening it twice counts once
    form = {"visit": data["visit"], "kind": "page", "id": page["id"], "form": "request"}
    answered = client.post("/help/answered", data=form)
    assert answered.status_code == 200 and "Glad that helped" in answered.get_data(as_text=True)
    client.post("/help/answered", data=form)
    got = [k for k in kinds(app) if k[0] in ("opened", "answered")]
    assert got == [("answered", "request", None, "page", page["id"]), ("opened", "request", None, "page", page["id"])]
    with app.test_request_context():
        total = report.total(report.weekly(4))
        assert (total.counts["answered"], total.counts["shown"], total.rate) == (1, 1, 1.0)
        top, = report.top_answers()
        assert (top["title"], top["answered"], top["opened"]) == ("Printer setup", 1, 1)


def test_hidden_and_private_pages_are_never_suggested_nor_opened(app, client, content):
    data = client.get("/help/suggest", query_string={"q": "printer"}).get_json()
    assert "Printer secrets" not in str(data) and "Printer runbook" not in str(data)
    for name in ("Printer secrets", "Printer runbook"):
        reply = client.get(f"/help/open/page/{content['pages'][name]}", query_string={"visit": data["visit"]})
        assert reply.status_code == 404
        read = client.get(f"/help/read/page/{content['pages'][name]}", query_string={"visit": data["visit"]})
        assert read.status_code == 404 and "printer" not in read.get_data(as_text=True)
    assert not [k for k in kinds(app) if k[0] == "opened"]


def test_a_request_sent_after_suggestions_is_counted_with_its_category(app, client, content):
    visit = client.get("/help/suggest", query_string={"q": "printer", "form": "request"}).get_json()["visit"]
    form = {"first_name": "Ana", "email": "ana@example.org", "title": "Printer", "note": "It jams.",
            "category": str(content["billing"]), "deflection_visit": visit, **human(app)}
    assert client.post("/requests/new", data=form).status_code == 302
    assert ("submitted", "request", content["billing"], "", 0) in kinds(app)
    # A request sent without having seen suggestions is not counted as one sent after them.
    form.update(deflection_visit="", **human(app))
    assert client.post("/requests/new", data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 2
    assert len([k for k in kinds(app) if k[0] == "submitted"]) == 1


def test_a_topic_sent_after_suggestions_is_counted_for_its_forum(app, client, content):
    visit = client.get("/help/suggest", query_string={"q": "printer", "form": "topic"}).get_json()["visit"]
    form = {"title": "Printer again", "body": "Still jams.", "name": "Bo", "deflection_visit": visit, **human(app)}
    reply = client.post(f"/forums/{content['forum']}", data=form)
    assert reply.status_code == 303
    assert ("submitted", "topic", content["forum"], "", 0) in kinds(app)


def test_the_forms_work_without_javascript_and_carry_the_panel(client, content):
    html = client.get("/requests/new").get_data(as_text=True)
    assert 'data-suggest="title note"' in html and 'id="suggestions"' in html and 'aria-live="polite"' in html
    assert "js/suggestions.js" in html
    html = client.get(f"/forums/{content['forum']}", follow_redirects=True).get_data(as_text=True)
    assert 'data-suggest="title body"' in html and 'data-form="topic"' in html


def test_old_events_are_rolled_up_into_weekly_counts(app, content):
    with app.test_request_context():
        visit = events.new_visit()
        events.record(visit, "shown", "request", content["billing"])
        events.record(visit, "answered", "request", content["billing"], ("page", 5))
        old = db.session.scalars(db.select(DeflectionEvent)).all()
        for event in old:
            event.week -= timedelta(weeks=10)
        db.session.commit()
        before = report.total(report.weekly(12)).counts
        assert roll_up(keep_days=28) == 2
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(DeflectionEvent.id))) == 0
        assert {(w.kind, w.count) for w in db.session.scalars(db.select(DeflectionWeek))} == {("shown", 1),
                                                                                              ("answered", 1)}
        assert report.total(report.weekly(12)).counts == before  # the figures stay
        assert roll_up(keep_days=28) == 0


def test_staff_deflection_page_shows_rate_and_top_pages(app, client, content, make_staff, staff_auth):
    data = client.get("/help/suggest", query_string={"q": "printer", "category": content["billing"]}).get_json()
    page = next(r for r in data["results"] if r["kind"] == "page")
    client.post("/help/answered", data={"visit": data["visit"], "kind": "page", "id": page["id"],
                                        "category": content["billing"]})
    make_staff()
    staff_auth.login()
    html = client.get("/staff/deflection").get_data(as_text=True)
    assert re.search(r'id="deflection-rate">100%<', html)
    assert "Printer setup" in html and "Billing" in html
