"""HappyFox 1.1 tickets/: the status and category filters, the q syntax and the sort keys."""
from datetime import datetime

import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import tags as request_tags
from portal.requests.models import Request, Status
from tests import factories


@pytest.fixture
def tickets(app):
    """Four requests: (title, email, urgent, opened, updated, category, tags, assigned, open)."""
    with app.app_context():
        billing, other = factories.category("Billing"), factories.category("Other")
        boss = factories.staff("boss@example.com", role="administrator", first_name="Bo", last_name="Boss")
        closing = db.session.execute(db.select(Status).where(Status.closes.is_(True))).scalars().first()
        rows = {}
        for title, email, urgent, opened, updated, cat, tags, assigned, is_open in [
                ("Printer on fire", "ada@example.com", True, datetime(2019, 1, 20), datetime(2019, 2, 5), billing,
                 ["fire"], boss, True),
                ("Invoice wrong", "grace@example.com", False, datetime(2019, 1, 25), datetime(2019, 1, 26), billing,
                 ["money", "fire"], None, True),
                ("Password reset", "ada@example.com", False, datetime(2019, 1, 26), datetime(2019, 3, 1), other,
                 [], boss, False),
                ("Printer jam", "linus@example.com", True, datetime(2019, 2, 1), datetime(2019, 2, 2), other,
                 [], None, True)]:
            req = factories.request_row(title=title, email=email, first_name=email.split("@")[0].title(),
                                        last_name="Person")
            req.urgent, req.opened_at, req.updated_at, req.category_id = urgent, opened, updated, cat.id
            req.tags, req.assigned_to_id, req.is_open = request_tags.named(tags), (assigned.id if assigned else None), \
                is_open
            if not is_open and closing is not None:
                req.status_id = closing.id
            rows[title] = req
        db.session.commit()
        return {"ids": {t: r.id for t, r in rows.items()}, "billing": billing.id, "other": other.id,
                "boss": boss.id, "closing": closing.id if closing else None}


def titles(happyfox, **query):
    response = happyfox.get("tickets/", **query)
    assert response.status_code == 200, response.get_json()
    return [t["subject"] for t in response.get_json()["data"]]


def test_filters(app, happyfox, tickets):
    assert titles(happyfox) == ["Printer jam", "Password reset", "Invoice wrong", "Printer on fire"]
    assert "Password reset" not in titles(happyfox, status="_pending")
    assert set(titles(happyfox, category=tickets["billing"])) == {"Printer on fire", "Invoice wrong"}
    both = f"{tickets['billing']},{tickets['other']}"
    assert len(titles(happyfox, category=both)) == 4
    if tickets["closing"]:
        assert titles(happyfox, status=str(tickets["closing"])) == ["Password reset"]


@pytest.mark.parametrize("q,expected", [
    ("printer", {"Printer on fire", "Printer jam"}),
    ('subject:"on fire"', {"Printer on fire"}),
    ("priority:urgent", {"Printer on fire", "Printer jam"}),
    ("priority:1", {"Invoice wrong", "Password reset"}),
    ("tag:fire", {"Printer on fire", "Invoice wrong"}),
    ('tag:"money","nothing"', {"Invoice wrong"}),
    ("tag:fire priority:normal", {"Invoice wrong"}),
    ("assignee:boss@example.com", {"Printer on fire", "Password reset"}),
    ('assignee:"Bo Boss"', {"Printer on fire", "Password reset"}),
    ("assignee:none", {"Invoice wrong", "Printer jam"}),
    ("contact:ada@example.com", {"Printer on fire", "Password reset"}),
    ("contact:linus", {"Printer jam"}),
    ('created-on-or-after:"2019/01/25"', {"Invoice wrong", "Password reset", "Printer jam"}),
    ("created-on-or-before:2019/01/25", {"Printer on fire", "Invoice wrong"}),
    ("created-on:2019-01-26", {"Password reset"}),
    ("updated-on-or-after:2019/02/05", {"Printer on fire", "Password reset"}),
    ('category:"Billing"', {"Printer on fire", "Invoice wrong"}),
    ('status:"nonesuch"', set()),
])
def test_q_terms(app, happyfox, tickets, q, expected):
    assert set(titles(happyfox, q=q, status="_all")) == expected


def test_status_by_name_and_assignee_by_id(app, happyfox, tickets):
    with app.app_context():
        active = db.session.get(Request, tickets["ids"]["Printer jam"]).status.name
    assert "Printer jam" in titles(happyfox, q=f'status:"{active}"')
    assert set(titles(happyfox, q=f"assignee:{tickets['boss']}")) == {"Printer on fire", "Password reset"}


@pytest.mark.parametrize("sort,expected", [
    ("created", ["Printer jam", "Password reset", "Invoice wrong", "Printer on fire"]),
    ("createa", ["Printer on fire", "Invoice wrong", "Password reset", "Printer jam"]),
    ("updated", ["Password reset", "Printer on fire", "Printer jam", "Invoice wrong"]),
    ("last_modifieda", ["Invoice wrong", "Printer jam", "Printer on fire", "Password reset"]),
    ("last_modifiedd", ["Password reset", "Printer on fire", "Printer jam", "Invoice wrong"]),
    ("priorityd", ["Printer jam", "Printer on fire", "Password reset", "Invoice wrong"]),
])
def test_sort_keys(app, happyfox, tickets, sort, expected):
    assert titles(happyfox, sort=sort) == expected


@pytest.mark.parametrize("query,field", [
    ({"sort": "colour"}, "sort"), ({"q": "shoe:9"}, "q"), ({"q": "created-on-or-after:yesterday"}, "q"),
    ({"q": "priority:huge"}, "q"), ({"q": 'tag:"unterminated'}, "q"), ({"q": "tag:"}, "q"),
    ({"status": "open"}, "status"), ({"category": "billing"}, "category"), ({"q": "x " * 600}, "q"),
])
def test_bad_queries_are_400(app, happyfox, tickets, query, field):
    response = happyfox.get("tickets/", **query)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"][0]["field"] == field


def test_paging_counts_the_filtered_rows(app, happyfox, tickets):
    data = happyfox.get("tickets/", q="printer", size=1, page=2).get_json()
    assert data["page_info"] == {"count": 2, "page_count": 2, "start_index": 2, "end_index": 2, "last_index": 2}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Staff.id))) >= 1


def test_a_page_of_tickets_costs_the_same_statements_whatever_its_length(app, happyfox):
    from tests.portal_helpers import count_queries

    with app.app_context():
        for number in range(3):
            req = factories.request(email=f"c{number}@example.com")
            req.tags = request_tags.named(["a", f"t{number}"])
        db.session.commit()
    with count_queries(app) as few:
        assert len(happyfox.get("tickets/").get_json()["data"]) == 3
    with app.app_context():
        for number in range(3, 20):
            req = factories.request(email=f"c{number}@example.com")
            req.tags = request_tags.named(["a", f"t{number}"])
            factories.note(req, "staff reply")
        db.session.commit()
    with count_queries(app) as many:
        data = happyfox.get("tickets/", size=50).get_json()["data"]
    assert len(data) == 20 and data[0]["tags"] == "a,t19"
    assert len(many) <= len(few), many  # the first call may also note the key's use
