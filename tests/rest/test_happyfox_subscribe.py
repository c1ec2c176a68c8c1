"""HappyFox 1.1 ``ticket/<id>/subscribe/`` and ``unsubscribe/``: the staff member named by ``staff_id`` (or
``staff``) follows the ticket through Portico's request subscriptions, in JSON, form and multipart bodies;
bad input is a 400 naming the field and writes nothing; followers are mailed when the customer answers."""
import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import categories
from portal.requests.workspace_models import RequestSubscription
from tests import factories
from tests.rest.conftest import HappyFox


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def world(app):
    with app.app_context():
        gus = factories.staff("gus@example.com", role="agent", first_name="Gus")
        mod = factories.staff("mod@example.com", role="moderator", first_name="Mo")
        billing, sales = factories.category("Billing"), factories.category("Sales")
        req = factories.request(email="ada@example.com", category_id=billing.id)
        other = factories.request(email="bob@example.com", category_id=sales.id)
        db.session.commit()
        return {"gus": gus.id, "mod": mod.id, "billing": billing.id, "sales": sales.id, "ticket": req.id,
                "other": other.id}


def followers(app, ticket_id):
    with app.app_context():
        return sorted(db.session.execute(db.select(RequestSubscription.staff_id)
                                         .where(RequestSubscription.request_id == ticket_id)).scalars())


def test_subscribe_and_unsubscribe_in_every_body_shape(app, happyfox, world):
    ticket = world["ticket"]
    response = happyfox.post(f"ticket/{ticket}/subscribe/", {"staff_id": world["gus"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == ticket and response.get_json()["display_id"] == f"#TK{ticket:08d}"
    assert followers(app, ticket) == [world["gus"]]
    again = happyfox.post(f"ticket/{ticket}/subscribe", data={"staff_id": str(world["gus"])})  # form, no slash
    assert again.status_code == 200 and followers(app, ticket) == [world["gus"]]  # twice: no change
    gone = happyfox("POST", f"ticket/{ticket}/unsubscribe/", data={"staff": str(world["gus"])},
                    headers={"Content-Type": "multipart/form-data"})
    assert gone.status_code == 200, gone.get_json()
    assert followers(app, ticket) == []
    assert happyfox.post(f"ticket/{ticket}/unsubscribe/", {"staff_id": world["gus"]}).status_code == 200


def test_bad_input_is_400_naming_the_field_and_writes_nothing(app, happyfox, world):
    ticket = world["ticket"]
    cases = [({}, "staff_id"), ({"staff_id": "abc"}, "staff_id"), ({"staff_id": 0}, "staff_id"),
             ({"staff_id": [1]}, "staff_id"), ({"staff_id": 99999999}, "staff_id"),
             ({"staff_id": world["mod"]}, "staff_id"),  # cannot handle requests
             ({"staff_id": world["gus"], "junk": 1}, "non_field_errors")]
    for body, field in cases:
        response = happyfox.post(f"ticket/{ticket}/subscribe/", body)
        assert response.status_code == 400, (body, response.get_json())
        errors = response.get_json()["error"]
        assert any(e.get("field", "") == field for e in errors), (body, errors)
    assert happyfox.post(f"ticket/{ticket}/subscribe/", [world["gus"]]).status_code == 400
    assert happyfox("POST", f"ticket/{ticket}/subscribe/", data=b"{not json",
                    headers={"Content-Type": "application/json"}).status_code == 400
    assert happyfox.post("ticket/99999/subscribe/", {"staff_id": world["gus"]}).status_code == 404
    assert followers(app, ticket) == []


def test_a_limited_agent_can_neither_follow_nor_be_put_on_a_hidden_ticket(app, client, make_key, happyfox, world):
    with app.app_context():
        boss = factories.staff("boss@example.com", role="administrator")
        categories.set_allowed(boss, db.session.get(Staff, world["gus"]), [world["billing"]])
        db.session.commit()
    refused = happyfox.post(f"ticket/{world['other']}/subscribe/", {"staff_id": world["gus"]})
    assert refused.status_code == 400 and refused.get_json()["error"][0]["field"] == "staff_id"
    gus = HappyFox(client, make_key("gus@example.com"))
    assert gus.post(f"ticket/{world['other']}/subscribe/", {"staff_id": world["gus"]}).status_code == 404
    assert followers(app, world["other"]) == []
    assert gus.post(f"ticket/{world['ticket']}/subscribe/", {"staff_id": world["gus"]}).status_code == 200


def test_read_only_keys_and_no_key_are_refused(app, client, make_key, world):
    read_only = HappyFox(client, make_key(read_only=True))
    assert read_only.post(f"ticket/{world['ticket']}/subscribe/", {"staff_id": world["gus"]}).status_code == 403
    assert HappyFox(client, None).post(f"ticket/{world['ticket']}/subscribe/",
                                       {"staff_id": world["gus"]}).status_code == 401
    assert followers(app, world["ticket"]) == []


def test_the_follower_is_mailed_when_the_customer_replies(app, happyfox, smtp_server, world):
    mailbox, _ = smtp_server
    assert happyfox.post(f"ticket/{world['ticket']}/subscribe/", {"staff_id": world["gus"]}).status_code == 200
    reply = happyfox.post(f"ticket/{world['ticket']}/user_reply/", {"user": "ada@example.com",
                                                                     "text": "Still smoking"})
    assert reply.status_code == 200, reply.get_json()
    [mail] = [m for m in mailbox.messages if m["To"] == "gus@example.com"]
    assert "you follow" in mail["Subject"] and "Still smoking" in mail.get_content()
