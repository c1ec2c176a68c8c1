"""A page's views: counted by the portal into ``page_view`` (per day, added up in the worker, written in
batches: content health's source), shown as HelpCenter.io's ``views`` and sorted by with ``sort=views``."""
from datetime import timedelta

import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.apikeys.services import create_key, presented
from portal.dates import utcnow
from portal.deflection import health
from portal.deflection.models import PageView
from portal.extensions import db
from portal.kb import editing
from tests import factories


@pytest.fixture
def pages(app):
    with app.app_context():
        settings.set_value("languages", "en,de")
        admin = factories.staff("admin@example.com", role="administrator")
        chapter = editing.save_chapter(admin, editing.save_book(admin, name="Guide"), name="Start")
        ids = [editing.save_page(admin, chapter, editing.PageInput(name=f"Page {n}", body="<p>x</p>")).id
               for n in range(3)]
        db.session.commit()
        return ids


@pytest.fixture
def api(app, client, pages):
    with app.app_context():
        admin = db.session.execute(db.select(Staff).where(Staff.email == "admin@example.com")).scalar_one()
        key, secret = create_key(admin, admin, "script", read_only=True)
        db.session.commit()
        presented_key = presented(key, secret)
    return lambda path, **query: client.get(f"/v1/{path}", headers={"apikey": presented_key}, query_string=query)


def test_portal_views_show_as_the_articles_views(app, client, api, pages):
    first, second, _ = pages
    for _ in range(3):
        client.get(f"/kb/pages/{second}", follow_redirects=True)  # the 2nd and 3rd from the page cache
    client.get(f"/de/kb/pages/{first}", follow_redirects=True)  # any language counts for the page
    client.get("/kb/pages/999999")  # a 404 counts nothing
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PageView)) == 0  # not yet written
    assert api(f"articles/{second}").json["article"]["views"] == 3  # the worker's pending views first
    listed = {a["id"]: a["views"] for a in api("articles").json["articles"]}
    assert listed == {first: 1, second: 3, pages[2]: 0}
    with app.app_context():  # one source of truth: content health reads the same rows
        assert [(page.id, views) for page, views in health.most_viewed()] == [(second, 3), (first, 1)]


def test_views_add_up_over_days_and_sort_the_list(app, api, pages):
    first, second, third = pages
    today = utcnow().date()
    with app.app_context():
        for page_id, day, count in ((first, today, 5), (first, today - timedelta(days=400), 7),
                                    (third, today, 9), (second, today - timedelta(days=1), 2)):
            db.session.add(PageView(page_id=page_id, day=day, count=count))
        db.session.commit()
    most = api("articles", sort="views").json
    assert [(a["id"], a["views"]) for a in most["articles"]] == [(first, 12), (third, 9), (second, 2)]
    assert most["meta"]["items_count"] == 3
    least = api("articles", sort="-views").json["articles"]
    assert [a["id"] for a in least] == [first, third, second]  # "-" is descending, as for the dates
    paged = api("articles", sort="views", limit=1, page=2).json
    assert [a["id"] for a in paged["articles"]] == [third] and paged["meta"]["total_pages"] == 3


def test_pages_never_viewed_come_last_and_in_id_order(app, api, pages):
    with app.app_context():
        db.session.add(PageView(page_id=pages[2], day=utcnow().date(), count=1))
        db.session.commit()
    assert [a["id"] for a in api("articles", sort="views").json["articles"]] == [pages[2], pages[0], pages[1]]


def test_listing_views_takes_a_fixed_number_of_statements(app, api, pages):
    """No statement per article: the views of a listed page come from one grouped statement."""
    from sqlalchemy import event

    counted = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: counted.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        api("articles", limit=1)  # the first call also reads the key and the settings
        counted.clear()
        api("articles", limit=1)
        one = len(counted)
        counted.clear()
        api("articles", limit=3)
        three = len(counted)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert one == three
