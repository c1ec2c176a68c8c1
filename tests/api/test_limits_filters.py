"""An agent limited to some categories reads no request outside them through the bulk and filter reads:
HelpSpot's private.request.multiGet, private.request.getChanged, private.filter.get and
private.user.getFilters' counts, and DeskPRO's ``ticket_filters/{id}/tickets`` (portal.requests.categories)."""
import time

import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import categories, filters
from portal.requests.queue import QueueFilter
from tests.rest.conftest import DeskPro, make_key  # noqa: F401  (the fixture)

from .conftest import basic

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def limited(app, build, make_staff):
    """Ian, an agent limited to Billing; one request in Billing, one in Sales, one without a category."""
    ian = make_staff("ian@example.com", first_name="Ian", last_name="Landsman")
    boss = make_staff("boss@example.com", role="administrator")
    billing, sales = build.category("Billing"), build.category("Sales")
    seen, _ = build.request("billing question", category_id=billing)
    hidden, _ = build.request("sales secret", category_id=sales)
    loose, _ = build.request("no category")
    with app.app_context():
        categories.set_allowed(db.session.get(Staff, boss), db.session.get(Staff, ian), [billing])
        db.session.commit()
    return {"ian": ian, "boss": boss, "billing": billing, "sales": sales, "seen": seen, "hidden": hidden,
            "loose": loose}


def _call(api, method, auth=AUTH, **params):
    return api.call(method, headers=auth, output="json", fRawValues=1, **params).get_json(force=True)


def _save(app, email, name, shared=False, **criteria):
    with app.app_context():
        staff = db.session.execute(db.select(Staff).where(Staff.email == email)).scalar_one()
        saved = filters.save(staff, name, QueueFilter(**criteria), shared=shared)
        db.session.commit()
        return saved.id


def test_multi_get_leaves_out_requests_in_hidden_categories(api, client, limited):
    ids = [limited["seen"], limited["hidden"], limited["loose"]]
    response = client.get("/api/index.php", headers=AUTH, query_string=[
        ("method", "private.request.multiGet"), ("output", "json"), ("fRawValues", "1"),
        *[("xRequest[]", str(i)) for i in ids]])
    got = [r["xRequest"] for r in response.get_json(force=True)["request"]]
    assert got == [str(limited["seen"])]
    # an administrator gets all three
    boss = client.get("/api/index.php", headers=basic("boss@example.com", "correct horse"), query_string=[
        ("method", "private.request.multiGet"), ("output", "json"), *[("xRequest[]", str(i)) for i in ids]])
    assert [r["xRequest"] for r in boss.get_json(force=True)["request"]] == [str(i) for i in ids]


def test_get_changed_lists_only_visible_requests(api, limited):
    since = int(time.time()) - 60
    ids = _call(api, "private.request.getChanged", dtGMTChange=since)["xRequest"]
    assert str(limited["seen"]) in ids
    assert str(limited["hidden"]) not in ids and str(limited["loose"]) not in ids
    everything = _call(api, "private.request.getChanged", basic("boss@example.com", "correct horse"),
                       dtGMTChange=since)["xRequest"]
    assert {str(limited["seen"]), str(limited["hidden"]), str(limited["loose"])} <= set(everything)


def test_filter_get_and_counts_hold_the_limit_even_on_a_shared_filter_naming_a_hidden_category(api, app, limited):
    shared_sales = _save(app, "boss@example.com", "Sales", shared=True, category_id=limited["sales"])
    by_number = _save(app, "ian@example.com", "By number", q=str(limited["hidden"]))
    inbox = _call(api, "private.filter.get", xFilter="inbox")["request"]
    assert [r["xRequest"] for r in inbox] == [str(limited["seen"])]
    assert _call(api, "private.filter.get", xFilter=shared_sales)["request"] == []
    assert _call(api, "private.filter.get", xFilter=by_number)["request"] == []
    counts = {f["xFilter"]: f["count"] for f in _call(api, "private.user.getFilters")["filter"]}
    assert counts["inbox"] == "1" and counts[str(shared_sales)] == "0" and counts[str(by_number)] == "0"
    boss = _call(api, "private.filter.get", basic("boss@example.com", "correct horse"), xFilter=shared_sales)
    assert [r["xRequest"] for r in boss["request"]] == [str(limited["hidden"])]


def test_deskpro_filter_tickets_hold_the_limit(app, client, make_key, limited):
    deskpro = DeskPro(client, make_key("ian@example.com"))
    shared_sales = _save(app, "boss@example.com", "Sales", shared=True, category_id=limited["sales"])
    inbox = deskpro.get("ticket_filters/inbox/tickets").get_json()
    assert [t["id"] for t in inbox["data"]] == [limited["seen"]] and inbox["meta"]["total"] == 1
    sales = deskpro.get(f"ticket_filters/{shared_sales}/tickets").get_json()
    assert sales["data"] == [] and sales["meta"]["total"] == 0
    assert deskpro.get(f"ticket_filters/{shared_sales}").get_json()["data"]["count"] == 0
    boss = DeskPro(client, make_key("boss@example.com"))
    assert [t["id"] for t in boss.get(f"ticket_filters/{shared_sales}/tickets").get_json()["data"]] == \
        [limited["hidden"]]
