"""Saved queue views: the service rules, and the queue page's save / open / rename / delete."""
import re

import pytest

from portal.accounts.models import Staff
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.requests import filters
from portal.requests.queue import QueueFilter
from tests import factories


@pytest.fixture
def two(app, make_staff):
    return make_staff("agent@example.com", first_name="Sam"), make_staff("other@example.com", first_name="Kim")


def _staff(staff_id):
    return db.session.get(Staff, staff_id)


def test_saved_filter_lists_exactly_the_queue_requests(app, two):
    with app.app_context():
        sam = _staff(two[0])
        billing = factories.category("Billing")
        factories.request(email="a@example.com", category_id=billing.id)
        factories.request(email="b@example.com")
        saved = filters.save(sam, "Billing open", QueueFilter(view="open", category_id=billing.id))
        ref = filters.find(sam, saved.id)
        page = filters.requests(sam, ref)
        assert [r.email for r in page.items] == ["a@example.com"] and page.total == 1
        counts = filters.counts(sam, filters.all_filters(sam))
        assert counts[str(saved.id)] == 1 and counts["open"] == 2 and counts["inbox"] == 2 and counts["myq"] == 0
        assert counts["closed"] == 0 and counts["trash"] == 0


def test_names_are_checked_and_unique_per_owner(app, two):
    with app.app_context():
        sam, kim = _staff(two[0]), _staff(two[1])
        filters.save(sam, "Mine", QueueFilter())
        with pytest.raises(ValidationFailed) as exc:
            filters.save(sam, " mine ", QueueFilter())
        assert exc.value.errors[0][0] == "name"
        filters.save(kim, "Mine", QueueFilter())  # another staff member may use the name
        with pytest.raises(ValidationFailed) as exc:
            filters.save(sam, "", QueueFilter(view="nonsense", category_id=999, status_id=999))
        assert [f for f, _ in exc.value.errors] == ["name", "view", "category", "status"]
        with pytest.raises(ValidationFailed):
            filters.save(sam, "x" * 101, QueueFilter())


def test_private_filters_stay_private_and_shared_ones_are_listed_for_all(app, two):
    with app.app_context():
        sam, kim = _staff(two[0]), _staff(two[1])
        private = filters.save(sam, "Private", QueueFilter(view="urgent"))
        shared = filters.save(sam, "Team", QueueFilter(view="closed"), shared=True)
        assert [s.name for s in filters.saved_filters(kim)] == ["Team"]
        with pytest.raises(NotFound):
            filters.find(kim, private.id)
        assert filters.find(kim, shared.id).criteria.view == "closed"
        with pytest.raises(Forbidden):  # listed, not Kim's to change
            filters.update(kim, shared.id, name="Hijacked")
        with pytest.raises(Forbidden):
            filters.delete(kim, shared.id)
        with pytest.raises(Forbidden):
            filters.delete(sam, "inbox")
        admin = _staff(factories.staff("boss@example.com", role="administrator").id)
        filters.update(admin, shared.id, name="Team (closed)")
        assert filters.find(sam, shared.id).name == "Team (closed)"


def test_built_in_views_are_filters(app, two):
    with app.app_context():
        sam = _staff(two[0])
        assert filters.find(sam, "inbox").criteria.view == "unassigned"
        assert filters.find(sam, "mine").id == "myq"
        with pytest.raises(NotFound):
            filters.find(sam, "nonsense")
        with pytest.raises(NotFound):
            filters.find(sam, "99999999999")
        with pytest.raises(NotFound):  # past INTEGER: PostgreSQL would refuse the query
            filters.find(sam, "2147483648")


def test_moderator_has_no_filters(app, make_staff):
    with app.app_context():
        mod = _staff(make_staff("mod@example.com", role="moderator"))
        with pytest.raises(Forbidden):
            filters.all_filters(mod)


def test_queue_page_saves_opens_renames_and_deletes_a_view(app, client, two, staff_auth):
    with app.app_context():
        billing = factories.category("Billing")
        factories.request(email="a@example.com", category_id=billing.id, title="In billing")
        factories.request(email="b@example.com", title="Elsewhere")
        db.session.commit()
        billing_id = billing.id
    assert staff_auth.login().status_code == 302
    response = client.post("/staff/requests/filters", data={"name": "Billing", "view": "open",
                                                            "category": str(billing_id), "shared": "1"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.execute(db.select(filters.SavedFilter)).scalar_one()
        assert (saved.name, saved.category_id, saved.shared) == ("Billing", billing_id, True)
        saved_id = saved.id
    assert response.location.endswith(f"/staff/requests?filter={saved_id}")
    page = client.get(f"/staff/requests?filter={saved_id}").get_data(as_text=True)
    assert "In billing" in page and "Elsewhere" not in page
    assert re.search(r'aria-current="page"[^>]*>Billing \(shared\)</a>', page)
    # a blank name is refused on the page, nothing saved
    refused = client.post("/staff/requests/filters", data={"name": " ", "view": "open"})
    assert refused.status_code == 400 and "Please give the filter a name." in refused.get_data(as_text=True)
    assert client.post(f"/staff/requests/filters/{saved_id}", data={"name": "Money"}).status_code == 302
    with app.app_context():
        saved = db.session.get(filters.SavedFilter, saved_id)
        assert saved.name == "Money" and not saved.shared
    asked = client.post(f"/staff/requests/filters/{saved_id}/delete")
    assert asked.status_code == 200 and "Delete view" in asked.get_data(as_text=True)
    assert client.post(f"/staff/requests/filters/{saved_id}/delete", data={"confirm": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(filters.SavedFilter, saved_id) is None
    assert client.get(f"/staff/requests?filter={saved_id}").status_code == 404
    assert "Open" in client.get("/staff/requests?filter=inbox").get_data(as_text=True)


def test_another_agent_cannot_rename_a_shared_view_on_the_page(app, client, two, staff_auth):
    with app.app_context():
        saved = filters.save(_staff(two[1]), "Kim's", QueueFilter(), shared=True)
        db.session.commit()
        saved_id = saved.id
    staff_auth.login()
    assert "Kim&#39;s" in client.get(f"/staff/requests?filter={saved_id}").get_data(as_text=True)
    assert client.post(f"/staff/requests/filters/{saved_id}", data={"name": "Mine now"}).status_code == 403
    with app.app_context():
        assert db.session.get(filters.SavedFilter, saved_id).name == "Kim's"
