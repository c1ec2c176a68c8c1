"""The request queue: each filter, search by id, email and words, pagination, and a constant
number of SQL statements per page whatever the number of rows (no N+1)."""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests.models import Category, Request
from portal.requests.queue import QueueFilter, queue
from portal.requests.workflow import close, mark_spam, trash, update_request


@pytest.fixture
def desk(app, make_request, people, category):
    """Seven requests, each in a different state: {name: request id}."""
    ids = {name: make_request(title=f"{name} subject", email=f"{name}@example.com")
           for name in ("plain", "mine", "urgent", "billing", "closed", "spam", "trashed")}
    with app.test_request_context():
        agent = db.session.get(Staff, people["agent"])
        get = lambda name: db.session.get(Request, ids[name])  # noqa: E731
        update_request(get("mine"), agent, assigned_to_id=agent.id)
        update_request(get("urgent"), agent, urgent=True)
        update_request(get("billing"), agent, category_id=category, status_id=7)
        close(get("closed"), agent)
        mark_spam(get("spam"), agent)
        trash(get("trashed"), agent)
        db.session.commit()
    return ids


def _ids(app, people, **filters):
    with app.test_request_context():
        agent = db.session.get(Staff, people["agent"])
        return {r.id for r in queue(agent, QueueFilter(**filters)).items}


def test_each_view_filters_the_queue(app, desk, people, category):
    d = desk
    open_ids = {d["plain"], d["mine"], d["urgent"], d["billing"]}
    assert _ids(app, people, view="open") == open_ids
    assert _ids(app, people, view="mine") == {d["mine"]}
    assert _ids(app, people, view="unassigned") == open_ids - {d["mine"]}
    assert _ids(app, people, view="urgent") == {d["urgent"]}
    assert _ids(app, people, view="closed") == {d["closed"]}
    assert _ids(app, people, view="spam") == {d["spam"]}
    assert _ids(app, people, view="trash") == {d["trashed"]}
    assert _ids(app, people, view="open", category_id=category) == {d["billing"]}
    assert _ids(app, people, view="open", status_id=7) == {d["billing"]}


def test_search_by_id_email_and_words(app, desk, people):
    assert _ids(app, people, q=str(desk["urgent"])) == {desk["urgent"]}
    assert _ids(app, people, q="Billing@Example.com") == {desk["billing"]}
    assert _ids(app, people, q="closed subject") == {desk["closed"]}
    assert _ids(app, people, q="trashed") == set()  # the trash is not searched


def test_the_queue_page_shows_filters_and_rows(login, desk):
    client = login("agent")
    page = client.get("/staff/requests?view=urgent").data.decode()
    assert "urgent subject" in page and "plain subject" not in page
    found = client.get("/staff/requests?q=billing%40example.com").data.decode()
    assert "billing subject" in found and "urgent subject" not in found


def test_pagination(app, login, make_request):
    for n in range(30):
        make_request(title=f"Request number {n}")
    client = login("agent")
    first = client.get("/staff/requests").data.decode()
    second = client.get("/staff/requests?page=2").data.decode()
    titles = lambda html: set(re.findall(r"Request number \d+", html))  # noqa: E731
    assert len(titles(first)) == 25 and len(titles(second)) == 5
    assert not titles(first) & titles(second)
    assert "Page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' in second


@contextmanager
def count_statements(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _fill(app, make_staff, start, count):
    """Requests each with its own category and assignee, so any per-row loading would show."""
    from portal.requests.services import RequestInput, create_request

    for n in range(start, start + count):
        person = make_staff(f"person{n}@example.com", role="agent")
        with app.app_context():
            category = Category(name=f"Category {n}")
            db.session.add(category)
            db.session.flush()
            create_request(RequestInput(note="text", email="x@example.com", title=f"Row {n}",
                                        category_id=category.id),
                           public_only=False, check_spam=False, notify_customer=False, assigned_to_id=person)
            db.session.commit()


@pytest.mark.parametrize("url", ["/staff/requests", "/staff/requests?q=row"])
def test_queue_statement_count_does_not_grow_with_rows(app, login, make_staff, url, monkeypatch):
    from portal import cache

    monkeypatch.setattr(cache, "clock", lambda: 0.0)  # a slow machine must not let the cached settings expire
    client = login("agent")
    _fill(app, make_staff, 0, 2)
    client.get(url)  # warm: the portal settings are then cached for both counts
    with count_statements(app) as few:
        assert client.get(url).status_code == 200
    _fill(app, make_staff, 2, 18)
    with count_statements(app) as many:
        page = client.get(url)
    assert page.data.count(b"Row ") >= 20  # the rows really are on the page
    assert len(many) == len(few), (len(few), len(many))
    # A fixed budget: the agent's category limits and the saved views are one statement each.
    assert len(many) <= 13
    print(f"{url}: {len(few)} statements for 2 rows, {len(many)} for 20")
