"""The staff pages of request handling: a request opened for a customer, customer and field corrections,
pinning, merging, following, time, canned responses, and the category limits on pages."""
from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import categories, responses
from portal.requests.models import Note, Request, RequestMerge
from portal.requests.workspace_models import RequestSubscription, TimeEvent
from tests import factories

from .conftest import load


def test_open_a_request_for_a_customer_who_phoned(app, login, category):
    client = login("agent")
    assert b"How the customer got in touch" in client.get("/staff/requests/new").data
    response = client.post("/staff/requests/new", data={
        "channel": "2", "first_name": "Kim", "phone": "555 0100", "category": str(category),
        "note": "Printer jams on page 2", "visibility": "public"})
    assert response.status_code == 302
    with app.app_context():
        req = db.session.execute(db.select(Request)).scalar_one()
        assert (req.opened_via, req.first_name, req.category_id, req.opened_by_id is not None) == (
            2, "Kim", category, True)
    refused = client.post("/staff/requests/new", data={"channel": "3", "note": "no customer at all"})
    assert refused.status_code == 200 and b"customer information" in refused.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1


def test_edit_customer_and_fields_are_logged(app, login):
    with app.app_context():
        size = factories.custom_field("Size", "numtext")
        cat = factories.category("Shop", fields=[size])
        req = factories.request(category_id=cat.id, first_name="Kim")
        db.session.commit()
        request_id, size_id = req.id, size.id
    client = login("agent")
    client.post(f"/staff/requests/{request_id}/customer", data={"first_name": "Kimberly", "email": "k@example.com"})
    client.post(f"/staff/requests/{request_id}/fields", data={f"Custom{size_id}": "12"})
    bad = client.post(f"/staff/requests/{request_id}/fields", data={f"Custom{size_id}": "twelve"},
                      follow_redirects=True)
    assert b"must be" in bad.data or b"number" in bad.data
    with app.app_context():
        req = load(Request, request_id)
        assert req.first_name == "Kimberly" and req.email == "k@example.com"
        assert [v.value for v in req.field_values] == ["12"]
        assert {n.log for n in req.notes if n.log} >= {
            'Customer first name changed from "Kim" to "Kimberly"', 'Size changed from "" to "12"'}


def test_pin_merge_follow_and_time(app, login, make_request):
    first = make_request(note="Duplicate question")
    second = make_request(note="Original question")
    client = login("agent")
    with app.app_context():
        note_id = db.session.execute(db.select(Note.id).where(Note.request_id == second)).scalar()
    client.post(f"/staff/requests/{second}/notes/{note_id}/pin", data={"pinned": "1"})
    client.post(f"/staff/requests/{second}/subscription", data={"subscribe": "1"})
    client.post(f"/staff/requests/{second}/time", data={"time": "1:15", "description": "phoned back",
                                                        "day": "2026-11-30"})
    refused = client.post(f"/staff/requests/{second}/time", data={"time": "soon"}, follow_redirects=True)
    assert b"hours:minutes" in refused.data
    page = client.get(f"/staff/requests/{second}")
    assert b"1:15 in all" in page.data and b"Stop following" in page.data and b"Unpin" in page.data
    ask = client.post(f"/staff/requests/{first}/merge", data={"target": str(second)})
    assert b"Yes, I am sure" in ask.data
    merged = client.post(f"/staff/requests/{first}/merge", data={"target": str(second), "confirm": "1"})
    assert merged.headers["Location"].endswith(f"/staff/requests/{second}")
    with app.app_context():
        assert db.session.get(Request, first) is None and db.session.get(RequestMerge, first).request_id == second
        assert db.session.scalar(db.select(db.func.count(RequestSubscription.id))) == 1
        assert db.session.execute(db.select(TimeEvent.seconds)).scalar() == 4500
    assert client.get(f"/staff/requests/{first}").headers["Location"].endswith(f"/staff/requests/{second}")
    assert b"1:15</strong> by you" in client.get("/staff/").data


def test_canned_response_inserted_into_a_reply(app, login, make_request, people):
    request_id = make_request(first_name="Kim")
    client = login("agent")
    client.post("/staff/responses", data={"title": "Greeting", "body": "Hello {customer_first_name},",
                                          "shared": "1"})
    with app.app_context():
        response_id = responses.list_responses(db.session.get(Staff, people["agent"]))[0].id
    inserted = client.post(f"/staff/requests/{request_id}/insert-response", data={"response": str(response_id)},
                           follow_redirects=True)
    assert b"Hello Kim,</textarea>" in inserted.data
    admin = login("administrator")
    assert b"Greeting" in admin.get("/staff/responses").data  # shared: every staff member sees it


def test_an_agent_limited_to_a_category_cannot_open_other_requests(app, login, make_request, people):
    with app.app_context():
        billing, sales = factories.category("Billing"), factories.category("Sales")
        categories.set_allowed(db.session.get(Staff, people["administrator"]),
                               db.session.get(Staff, people["agent"]), [billing.id])
        db.session.commit()
        billing_id, sales_id = billing.id, sales.id
    visible = make_request(title="Invoice wrong", category_id=billing_id)
    hidden = make_request(title="Buy more", category_id=sales_id)
    agent = login("agent")
    assert agent.get(f"/staff/requests/{hidden}").status_code == 404
    assert agent.get(f"/staff/requests/{visible}").status_code == 200
    queue = agent.get("/staff/requests").data
    assert b"Invoice wrong" in queue and b"Buy more" not in queue
    admin = login("administrator")
    assert admin.get(f"/staff/requests/{hidden}").status_code == 200
