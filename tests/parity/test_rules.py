"""Parity of the rules that live in one service each: the staff page (or the portal page), every HelpSpot
API method that applies the rule, and the service called directly agree.

Who may be assigned a request (portal.requests.assignment), request history (services.history), following
merged requests (services.survivor), request search (queue.text_match) and per-account login throttling
(accounts.services.refuse_if_throttled).
"""
import base64
import re

import pytest

from portal import settings
from portal.accounts import services as accounts
from portal.accounts.models import Staff
from portal.errors import Merged, ValidationFailed
from portal.extensions import db
from portal.requests import assignment, queue, services, workflow
from portal.requests.admin import CategoryInput, save_category
from portal.requests.models import Request, RequestMerge
from portal.requests.services import RequestInput, create_request

PASSWORD = "correct horse"


@pytest.fixture
def desk(app, make_staff):
    """An administrator, an agent, a moderator and one request: {name: id}, and the request's access key."""
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    ids = {"admin": make_staff("admin@example.com", role="administrator", first_name="Ada"),
           "agent": make_staff("agent@example.com", role="agent", first_name="Sam"),
           "moderator": make_staff("mod@example.com", role="moderator", first_name="Robin")}
    with app.app_context():
        req = create_request(RequestInput(note="My printer is on fire", email="ana@example.org"), check_spam=False,
                             notify_customer=False)
        db.session.commit()
        ids["request"], ids["key"] = req.id, req.access_key
    return ids


def basic(email):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()}


def private(client, method, **params):
    return client.post("/api/index.php", query_string={"method": method, "output": "json"}, data=params,
                       headers=basic("agent@example.com")).get_json(force=True)


def public(client, method, **params):
    return client.get("/api/index.php", query_string={"method": method, "output": "json", **params})


def staff_client(app, email="agent@example.com"):
    client = app.test_client()
    assert client.post("/staff/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def offered_assignees(html: str) -> set[int]:
    select = re.search(r'<select[^>]*name="assigned_to".*?</select>', html, re.S).group(0)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}


def test_who_may_be_assigned_a_request(app, client, desk):
    agent_page = staff_client(app)
    offered = offered_assignees(agent_page.get(f"/staff/requests/{desk['request']}").get_data(as_text=True))
    categories = private(client, "private.request.getCategories")  # an empty list without a category
    with app.test_request_context():
        service = {person.id for person in assignment.assignable_staff()}
        save_category(db.session.get(Staff, desk["admin"]), CategoryInput(name="Billing"))
        db.session.commit()
    listed = {int(p["xPerson"]) for c in private(client, "private.request.getCategories")["category"].values()
              for p in c["sPersonList"]["person"]}
    assert categories == {"category": []}
    assert offered == listed == service == {desk["admin"], desk["agent"]}  # never the moderator

    # What the page does not offer, neither the page's form, the API nor the service accepts.
    page = agent_page.post(f"/staff/requests/{desk['request']}/update",
                           data={"status": "1", "assigned_to": str(desk["moderator"])}, follow_redirects=True)
    assert assignment.UNKNOWN_ASSIGNEE in page.get_data(as_text=True)
    api = private(client, "private.request.update", xRequest=desk["request"], xPersonAssignedTo=desk["moderator"])
    assert api["error"] == [{"id": 212, "description": f"Could not update request: {assignment.UNKNOWN_ASSIGNEE}"}]
    with app.test_request_context():
        req, agent = db.session.get(Request, desk["request"]), db.session.get(Staff, desk["agent"])
        with pytest.raises(ValidationFailed):
            workflow.update_request(req, agent, assigned_to_id=desk["moderator"])
        with pytest.raises(ValidationFailed):  # nor as the default of a category
            save_category(db.session.get(Staff, desk["admin"]),
                          CategoryInput(name="Forums", default_staff_id=desk["moderator"]))
        db.session.rollback()
        assert db.session.get(Request, desk["request"]).assigned_to_id is None

    # Someone it offers is taken by both.
    agent_page.post(f"/staff/requests/{desk['request']}/update", data={"status": "1", "assigned_to": str(desk["admin"])})
    with app.app_context():
        assert db.session.get(Request, desk["request"]).assigned_to_id == desk["admin"]
    assert private(client, "private.request.update", xRequest=desk["request"], xPersonAssignedTo=desk["agent"]) == {
        "xRequest": str(desk["request"])}
    with app.app_context():
        assert db.session.get(Request, desk["request"]).assigned_to_id == desk["agent"]


def test_request_history_for_customers_and_for_staff(app, client, desk):
    with app.test_request_context():
        req, agent = db.session.get(Request, desk["request"]), db.session.get(Staff, desk["agent"])
        workflow.add_staff_note(req, agent, "We are on it.", public=True, notify_customer=False)
        workflow.add_staff_note(req, agent, "Staff only: the customer is a reseller.", public=False)
        workflow.update_request(req, agent, urgent=True)  # a log line
        db.session.commit()
        for_customers = [n.id for n in services.history(req)]
        for_staff = [n.id for n in services.history(req, agent)]
        customer_view_of_staff = [n.id for n in services.history(req, db.session.get(Staff, desk["moderator"]))]
    assert len(for_customers) == 2 and len(for_staff) == 4
    assert customer_view_of_staff == for_customers  # no requests right: what a customer sees

    api_public = public(client, "request.get", accesskey=desk["key"]).get_json(force=True)
    api_private = private(client, "private.request.get", xRequest=desk["request"])
    assert [int(i["xRequestHistory"]) for i in api_public["request_history"]["item"]] == for_customers
    assert [int(i["xRequestHistory"]) for i in api_private["request_history"]["item"]] == for_staff

    customer_page = client.get(f"/requests/{desk['key']}").get_data(as_text=True)
    staff_page = staff_client(app).get(f"/staff/requests/{desk['request']}").get_data(as_text=True)
    assert "We are on it." in customer_page and "reseller" not in customer_page
    assert "We are on it." in staff_page and "reseller" in staff_page
    assert [int(i) for i in re.findall(r'id="note-(\d+)"', customer_page)] == for_customers


def test_a_merged_request_leads_to_the_one_it_went_into(app, client, desk):
    with app.app_context():
        survivor = create_request(RequestInput(note="Printer again", email="ana@example.org"), check_spam=False,
                                  notify_customer=False)
        merged = db.session.get(Request, desk["request"])
        db.session.add(RequestMerge(old_id=merged.id, old_password=merged.password, request_id=survivor.id))
        db.session.delete(merged)
        db.session.commit()
        survivor_id, survivor_key = survivor.id, survivor.access_key
    old_id, old_key = desk["request"], desk["key"]

    portal = client.get(f"/requests/{old_key}")
    assert portal.status_code == 302 and portal.headers["Location"].endswith(f"/requests/{survivor_key}")
    api = public(client, "request.get", accesskey=old_key).get_json(force=True)
    assert api["error"][0]["id"] == 208 and api["error"][0]["xRequest"] == str(survivor_id)
    assert private(client, "private.request.get", xRequest=old_id)["xRequest"] == str(survivor_id)
    staff = staff_client(app).get(f"/staff/requests/{old_id}")
    assert staff.status_code == 302 and staff.headers["Location"].endswith(f"/staff/requests/{survivor_id}")
    with app.app_context():
        assert services.survivor(old_id).id == services.survivor(survivor_id).id == survivor_id
        assert services.survivor(old_id + 1000) is None
        with pytest.raises(Merged) as found:
            services.find_by_access_key(old_key)
        assert found.value.target_id == survivor_id


def _fail_until_throttled(login) -> None:
    for _ in range(accounts.MAX_FAILURES):
        login()


def test_staff_logins_share_one_throttle(app, client, desk):
    wrong = {"email": "agent@example.com", "password": "wrong password"}
    _fail_until_throttled(lambda: client.post("/staff/login", data=wrong))
    # The right password is refused everywhere now: the staff page, the private API, the service.
    page = app.test_client().post("/staff/login", data={"email": "agent@example.com", "password": PASSWORD})
    api = app.test_client().get("/api/index.php", query_string={"method": "private.request.getStatusTypes"},
                                headers=basic("agent@example.com"))
    assert page.status_code == api.status_code == 429
    assert accounts.TooManyAttempts.message in page.get_data(as_text=True)
    assert b"<id>3</id>" in api.data and api.headers["Retry-After"] == str(accounts.TooManyAttempts.retry_after)
    with app.test_request_context():
        with pytest.raises(accounts.TooManyAttempts):
            accounts.refuse_if_throttled("staff:agent@example.com", "")
        with pytest.raises(accounts.TooManyAttempts):
            accounts.authenticate_staff("agent@example.com", PASSWORD)


def test_customer_logins_share_one_throttle(app, client, desk):
    with app.app_context():
        accounts.set_customer_password("ana@example.org", PASSWORD)
        db.session.commit()
    wrong = {"sEmail": "ana@example.org", "sPassword": "wrong password"}
    _fail_until_throttled(lambda: public(client, "customer.getRequests", **wrong))
    page = app.test_client().post("/account/login", data={"email": "ana@example.org", "password": PASSWORD})
    api = public(app.test_client(), "customer.getRequests", sEmail="ana@example.org", sPassword=PASSWORD)
    assert page.status_code == api.status_code == 429
    assert api.headers["Retry-After"] == str(accounts.TooManyAttempts.retry_after)
    with app.test_request_context():
        with pytest.raises(accounts.TooManyAttempts):
            accounts.authenticate_customer("ana@example.org", PASSWORD)


def _queue_numbers(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/staff/requests/(\d+)"', html)}


@pytest.mark.parametrize("text", ["printer", "toner jam", "ana@example.org", "{request}"])
def test_request_search_matches_the_same_requests_everywhere(app, client, desk, text):
    with app.app_context():
        other = create_request(RequestInput(note="Toner jam in tray 2", email="bo@example.org", title="Toner"),
                               check_spam=False, notify_customer=False)
        db.session.commit()
        other_id = other.id
    text = text.format(request=desk["request"])
    page = staff_client(app).get("/staff/requests", query_string={"q": text, "view": "all"})
    found = private(client, "private.request.search", sSearch=text, fRawValues=1)
    api = {int(r["xRequest"]) for r in found["request"]}
    with app.test_request_context():
        agent = db.session.get(Staff, desk["agent"])

        service = set(db.session.scalars(db.select(Request.id).where(queue.text_match(agent, text))))
    assert _queue_numbers(page.get_data(as_text=True)) == api == service
    assert service == ({other_id} if text == "toner jam" else {desk["request"]})
