"""DeskPRO v2 batch: both request shapes, relative and absolute sub-URLs, each entry answered as if alone."""
from portal.extensions import db
from portal.requests.models import Request

TICKET = {"subject": "Printer on fire", "person": "ada@example.com",
          "message": {"message": "It is on fire", "format": "text"}}


def batch(deskpro, body, **kw):
    response = deskpro("POST", "batch", body=body, **kw)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["responses"]


def test_sdk_shape_with_relative_and_absolute_urls(deskpro):
    responses = batch(deskpro, {"requests": {
        "me": "/me",
        "statuses": "/api/v2/ticket_statuses",
        "new": {"method": "POST", "url": "/tickets", "payload": TICKET},
        "old_style": "/api/ticket_departments",
        "full": "http://localhost/api/v2/tickets?count=1",
    }})
    assert set(responses) == {"me", "statuses", "new", "old_style", "full"}
    for entry in responses.values():
        assert {"headers", "data", "meta", "linked"} <= set(entry)
    assert responses["me"]["headers"] == {"status-code": 200, "response_code": 200}
    assert responses["me"]["data"]["person"]["primary_email"] == "agent@example.com"
    assert responses["statuses"]["data"][0]["status_code"] == "awaiting_agent"
    assert responses["new"]["headers"]["status-code"] == 201
    assert responses["new"]["headers"]["location"].endswith(f"/api/v2/tickets/{responses['new']['data']['id']}")
    assert responses["old_style"]["data"] == []
    assert responses["full"]["meta"]["per_page"] == 1


def test_seed_shape_and_a_failing_entry_keeps_its_envelope(app, deskpro):
    responses = batch(deskpro, {
        "t": {"method": "POST", "url": "/api/tickets", "data": TICKET},
        "bad": {"method": "POST", "url": "/api/v2/tickets", "payload": {"subject": ""}},
        "missing": "/api/v2/tickets/999999",
        "nowhere": "/api/v2/no_such_thing",
        "wrong_verb": {"method": "DELETE", "url": "/tickets"},
    })
    assert responses["t"]["headers"]["status-code"] == 201
    bad = responses["bad"]
    assert bad["headers"]["status-code"] == 400 and bad["status"] == 400 and bad["code"] == "invalid_input"
    assert "subject" in bad["errors"]["fields"]
    assert bad["data"] == {} and bad["meta"] == {} and bad["linked"] == {}
    assert responses["missing"]["headers"]["status-code"] == 404 and responses["missing"]["message"]
    assert responses["nowhere"]["status"] == 404
    assert responses["wrong_verb"]["status"] == 405
    with app.app_context():  # the good entry is kept, the failed ones left nothing
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1


def test_short_get_syntax(deskpro):
    response = deskpro.get("batch", **{"get[me]": "/api/v2/me", "get[depts]": "/ticket_departments"})
    assert response.status_code == 200
    responses = response.get_json()["responses"]
    assert responses["me"]["data"]["person_id"] and responses["depts"]["data"] == []


def test_each_entry_is_checked_against_the_keys_tags(deskpro, make_key):
    key = make_key(name="no tickets", tags="*, -tickets.*")
    responses = batch(deskpro, {"requests": {"me": "/me", "tickets": "/tickets"}}, key=key)
    assert responses["me"]["headers"]["status-code"] == 200
    assert responses["tickets"]["headers"]["status-code"] == 403


def test_a_read_only_key_writes_nothing_through_a_batch(app, deskpro, make_key):
    key = make_key(name="reader", read_only=True)
    responses = batch(deskpro, {"requests": {"new": {"method": "POST", "url": "/tickets", "payload": TICKET},
                                             "me": "/me"}}, key=key)
    assert responses["new"]["status"] == 403 and responses["me"]["headers"]["status-code"] == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_batch_needs_a_key_and_entries(deskpro):
    assert deskpro("POST", "batch", body={"requests": {"me": "/me"}}, key=None).status_code == 401
    empty = deskpro("POST", "batch", body={})
    assert empty.status_code == 400 and "requests" in empty.get_json()["errors"]["fields"]
    many = deskpro("POST", "batch", body={"requests": {str(i): "/me" for i in range(51)}})
    assert many.status_code == 400


def test_bad_entries_and_nested_batches_are_answered_per_entry(deskpro):
    responses = batch(deskpro, {"requests": {
        "number": 5, "no_url": {"method": "GET"}, "verb": {"method": "BREW", "url": "/me"},
        "nested": {"method": "POST", "url": "/batch", "payload": {"requests": {"me": "/me"}}},
        "outside": "/../../staff/login"}})
    for name in ("number", "no_url", "verb"):
        assert responses[name]["status"] == 400, name
        assert {"data", "meta", "linked"} <= set(responses[name])
    assert responses["nested"]["status"] == 404
    assert responses["outside"]["status"] == 404
