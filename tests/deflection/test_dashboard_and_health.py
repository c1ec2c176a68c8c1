"""The staff dashboard over 7/30/90 days (charts, tables, CSV) and the content health page."""
import csv
import io
from datetime import timedelta

import pytest

from portal.dates import utcnow
from portal.deflection import dashboard, health
from portal.deflection.charts import bars
from portal.deflection.models import PageView
from portal.extensions import db
from portal.kb.models import Book, Chapter, Page, PageVote
from portal.requests.models import Note, Request


def _request(opened_days_ago: float, *, reply_after_h=None, closed_after_h=None, **columns) -> Request:
    opened = utcnow() - timedelta(days=opened_days_ago)
    req = Request(password="abcdefghijklmnopqrst", title="t", email="a@example.com", opened_at=opened,
                  updated_at=opened, **columns)
    if closed_after_h is not None:
        req.is_open, req.closed_at = False, opened + timedelta(hours=closed_after_h)
    db.session.add(req)
    db.session.flush()
    db.session.add(Note(request_id=req.id, body="help", is_initial=True, created_at=opened))
    if reply_after_h is not None:
        db.session.add(Note(request_id=req.id, body="answer", staff_id=None, created_at=opened))  # customer's
        req.first_reply_at = opened + timedelta(hours=reply_after_h)  # as add_note keeps it
        db.session.add(Note(request_id=req.id, body="reply", created_at=req.first_reply_at, staff_id=_staff_id()))
    return req


def _staff_id() -> int:
    from portal.accounts.models import Staff
    from tests import factories

    found = db.session.scalar(db.select(Staff.id).limit(1))
    return found or factories.staff("replier@example.com").id


@pytest.fixture
def desk(app):
    with app.app_context():
        _request(2, reply_after_h=1, closed_after_h=10)
        _request(2, reply_after_h=3, closed_after_h=30)
        _request(1, reply_after_h=5)
        _request(0.1)
        _request(40, closed_after_h=1)  # outside 30 days, closed before it
        _request(50)  # outside 30 days, still open: the backlog before the range
        _request(1, trashed=True)
        page = Page(chapter=Chapter(book=Book(name="B"), name="C"), name="Page")
        db.session.add(page)
        db.session.flush()
        db.session.add_all([PageVote(page_id=page.id, voter=f"v{n}", helpful=n % 2 == 0) for n in range(3)])
        db.session.commit()


def test_figures_count_per_day_and_find_the_medians(app, desk):
    with app.test_request_context():
        figures = dashboard.figures(30)
        assert len(figures.rows) == 30 and figures.rows[-1].day == utcnow().date()
        assert figures.total("opened") == 4 and figures.total("closed") == 2
        assert figures.rows[-1].backlog == 1 + 4 - 2  # the 50-day-old one, plus opened, less closed
        assert figures.first_reply_seconds == pytest.approx(3 * 3600, rel=0.01)  # 1 h, 3 h, 5 h
        assert figures.close_seconds == pytest.approx(20 * 3600, rel=0.01)  # 10 h and 30 h
        assert (figures.total("helpful"), figures.total("not_helpful")) == (2, 1)
        assert dashboard.figures(7).days == 7 and dashboard.figures(12345).days == 30
        assert dashboard.figures(90).total("opened") == 6
        assert dashboard.readable(None) == "–" and dashboard.readable(3 * 3600) == "3.0 h"


def test_charts_are_svg_with_a_title_and_escape_labels():
    svg = str(bars("Opened <per> day", ["<b>", "2"], [("opened", [1, 3])]))
    assert svg.startswith("<svg") and "<title>Opened &lt;per&gt; day</title>" in svg
    assert "&lt;b&gt;" in svg and "<b>" not in svg and svg.count("<rect") == 2


def test_dashboard_page_has_charts_tables_and_a_csv(app, client, desk, make_staff, staff_auth):
    make_staff()
    staff_auth.login()
    html = client.get("/staff/?days=7").get_data(as_text=True)
    assert "The last 7 days" in html and html.count('<svg class="chart"') == 3
    assert 'id="dashboard-table"' in html and "3.0 h" in html
    reply = client.get("/staff/dashboard.csv?days=7")
    assert reply.mimetype == "text/csv" and "attachment" in reply.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert len(rows) == 7 and sum(int(r["opened"]) for r in rows) == 4


def test_dashboard_queries_do_not_grow_with_the_requests(app, desk):
    from tests.portal_helpers import count_queries

    with count_queries(app) as few, app.test_request_context():
        dashboard.figures(30)
    with app.app_context():
        for n in range(40):
            _request(n % 20, reply_after_h=1, closed_after_h=2)
        db.session.commit()
    with count_queries(app) as more, app.test_request_context():
        dashboard.figures(30)
    assert len(more) == len(few)


def test_content_health_lists_what_needs_attention(app, client, make_staff, staff_auth):
    with app.app_context():
        chapter = Chapter(book=Book(name="Guide"), name="Basics")
        old = utcnow() - timedelta(days=400)
        gone = Page(chapter=chapter, name="Gone")
        db.session.add(gone)
        db.session.flush()
        gone_id = gone.id
        db.session.delete(gone)
        db.session.add_all([
            Page(chapter=chapter, name="Disliked", helpful=1, not_helpful=9),
            Page(chapter=chapter, name="Liked", helpful=9, not_helpful=1),
            Page(chapter=chapter, name="Few votes", helpful=0, not_helpful=2),
            Page(chapter=chapter, name="Ancient", updated_at=old),
            Page(chapter=chapter, name="Linker", body=f'<p><a href="/kb/pages/{gone_id}-gone">old</a> '
                                                      f'<a href="?pg=kb.page&amp;id={gone_id + 100}">older</a> '
                                                      f'<a href="https://elsewhere.example/kb/pages/{gone_id + 200}">x</a></p>')])
        db.session.commit()
        liked = db.session.scalar(db.select(Page.id).where(Page.name == "Liked"))
    for _ in range(3):
        client.get(f"/kb/pages/{liked}", follow_redirects=True)  # cached after the first: still counted
    client.get("/search?q=unicorns")
    with app.test_request_context():
        assert [(p.name, share) for p, share in health.lowest_rated()] == [("Disliked", 0.9), ("Liked", 0.1)]
        liked_row = db.session.scalar(db.select(Page).where(Page.name == "Liked"))
        liked_row.not_helpful = 0
        db.session.flush()
        assert [p.name for p, _ in health.lowest_rated()] == ["Disliked"]  # never "0 % not helpful"
        liked_row.not_helpful = 1
        db.session.flush()
        assert [p.name for p in health.stale()] == ["Ancient"]
        assert [(p.name, views) for p, views in health.most_viewed()] == [("Liked", 3)]
        assert {(b.page.name, b.kind, b.target_id) for b in health.broken_links()} == {
            ("Linker", "page", gone_id), ("Linker", "page", gone_id + 100)}
        assert db.session.scalar(db.select(PageView.count)) == 3  # written by most_viewed (flush_views)
    make_staff()
    staff_auth.login()
    html = client.get("/staff/content-health").get_data(as_text=True)
    assert "Disliked" in html and "Ancient" in html and "unicorns" in html and "Linker" in html
    assert f'href="/staff/kb/pages/{liked}"' in html


def test_page_views_are_written_in_batches(app, client, monkeypatch):
    with app.app_context():
        page = Page(chapter=Chapter(book=Book(name="G"), name="C"), name="Viewed")
        db.session.add(page)
        db.session.commit()
        page_id = page.id

    def written() -> int:
        with app.app_context():
            return db.session.scalar(db.select(db.func.sum(PageView.count))) or 0

    client.get(f"/kb/pages/{page_id}", follow_redirects=True)
    client.get(f"/kb/pages/{page_id}", follow_redirects=True)
    assert written() == 0  # added up in the worker, not yet due
    monkeypatch.setattr(health, "VIEW_FLUSH_SECONDS", 0.0)
    reply = client.get(f"/kb/pages/{page_id}", follow_redirects=True)
    assert health.VIEW_HEADER not in reply.headers
    assert written() == 3
