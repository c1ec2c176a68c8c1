"""The customer's request history (accounts.history): their requests only, paginated, in a fixed number of queries."""
import re

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.requests.models import Request
from tests.requests.test_views import open_request


def test_history_needs_a_login(client):
    response = client.get("/account/requests")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login?next=/account/requests"


def test_history_lists_the_customers_requests_linked_by_key(app, client, logged_in):
    _, key = open_request(app, email="kim@example.com", title="", note="Sync stopped working since the update")
    _, titled_key = open_request(app, email="KIM@example.com", title="Invoice question", note="About March")
    _, other_key = open_request(app, email="someone@example.com", title="Not Kim's")
    with app.app_context():
        db.session.get(Request, int(titled_key[:-20])).status_id = 3
        db.session.commit()
    response = client.get("/account/requests")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Your requests" in html
    assert f'href="/requests/{key}"' in html and f'href="/requests/{titled_key}"' in html
    assert other_key not in html and "Not Kim" not in html
    assert "Sync stopped working since the update" in html  # the summary when there is no subject
    assert "Invoice question" in html and "Problem Solved" in html and "Active" in html
    assert html.index("Invoice question") < html.index("Sync stopped")  # newest first
    assert "2 requests sent with kim@example.com" in html
    assert 'action="/account/logout"' in html and 'href="/account/password"' in html


def test_an_empty_history_says_so(client, logged_in):
    assert "There are no requests for this email yet." in client.get("/account/requests").get_data(as_text=True)


def _count_queries(app, fn) -> int:
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counter["n"]


def test_history_is_paginated_and_does_not_query_per_request(app, client, logged_in):
    open_request(app, email="kim@example.com", title="Request 1")
    client.get("/account/requests")  # warm: the portal settings are then cached for both counts
    few = _count_queries(app, lambda: client.get("/account/requests"))
    for n in range(2, 26):
        open_request(app, email="kim@example.com", title=f"Request {n}")
    many = _count_queries(app, lambda: client.get("/account/requests"))
    assert many == few
    first = client.get("/account/requests").get_data(as_text=True)
    assert len(re.findall(r'href="/requests/\d+[A-Za-z]{20}"', first)) == 20
    assert "Page 1 of 2" in first and 'href="/account/requests?page=2"' in first
    second = client.get("/account/requests?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/requests/\d+[A-Za-z]{20}"', second)) == 5
    assert "Request 1<" in second and "Request 25<" in first


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99"])
def test_odd_page_numbers_do_not_break_the_page(client, logged_in, page):
    assert client.get(f"/account/requests?page={page}").status_code == 200
