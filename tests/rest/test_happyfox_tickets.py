"""HappyFox 1.1 tickets: reference lists, paging, one ticket with its updates, and the writes, over the same
services as the pages (custom-field rules per category as on the portal form)."""
import io
import re

import pytest

from portal.extensions import db
from portal.requests.models import Note, Request, Status
from tests import factories


@pytest.fixture
def billing(app):
    with app.app_context():
        office = factories.custom_field("Office", required=True)
        size = factories.custom_field("Size", field_type="select", list_items=["S", "M"])
        row = factories.category("Billing", fields=[office, size])
        db.session.commit()
        return {"category": row.id, "office": office.id, "size": size.id}


def new_ticket(happyfox, billing, **extra):
    body = {"name": "Ada Lovelace", "email": "ada@example.com", "subject": "Printer on fire",
            "text": "It is really on fire", "category": billing["category"], f"t-cf-{billing['office']}": "Leeds",
            **extra}
    return happyfox.post("tickets/", body)


def test_reference_lists_are_bare_lists(app, happyfox, billing):
    categories = happyfox.get("categories/").get_json()
    assert categories == [{"id": billing["category"], "name": "Billing", "description": "", "public": True}]
    statuses = happyfox.get("statuses").get_json()
    assert isinstance(statuses, list) and {s["behavior"] for s in statuses} <= {"pending", "completed"}
    with app.app_context():
        closing = db.session.execute(db.select(Status).where(Status.closes.is_(True))).scalars().first()
    if closing is not None:
        assert next(s for s in statuses if s["id"] == closing.id)["behavior"] == "completed"
    assert next(s for s in statuses if s["default"])["behavior"] == "pending"
    assert [p["name"] for p in happyfox.get("priorities/").get_json()] == ["Normal", "Urgent"]
    fields = happyfox.get("ticket_custom_fields/").get_json()
    size = next(f for f in fields if f["id"] == billing["size"])
    assert size["type"] == "dropdown" and [c["value"] for c in size["choices"]] == ["S", "M"]
    assert size["categories"] == [billing["category"]]
    staff = happyfox.get("staff/").get_json()[0]
    assert set(staff) >= {"id", "name", "email", "active", "is_account_admin", "role", "categories", "permissions"}


def test_create_answers_the_whole_ticket(app, happyfox, billing):
    response = new_ticket(happyfox, billing, priority=2)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert re.fullmatch(r"#TK\d{8}", data["display_id"]) and int(data["display_id"][3:]) == data["id"]
    assert data["subject"] == "Printer on fire" and data["first_message"] == "It is really on fire"
    assert data["priority"]["name"] == "Urgent" and data["category"]["id"] == billing["category"]
    assert data["status"]["behavior"] == "pending" and data["user"]["email"] == "ada@example.com"
    assert data["user"]["name"] == "Ada Lovelace" and isinstance(data["user"]["id"], int)
    assert {"id": billing["office"], "name": "Office", "value": "Leeds", "type": "text"} in data["custom_fields"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", data["created_at"])
    assert data["unresponded"] is True and data["last_staff_reply_at"] is None
    (update,) = data["updates"]
    assert update["by"]["type"] == "user" and update["message"]["text"] == "It is really on fire"
    assert update["message"]["message_type"] == ""
    with app.app_context():
        req = db.session.get(Request, data["id"])
        assert req.opened_by_id is not None and (req.first_name, req.last_name) == ("Ada", "Lovelace")


def test_custom_field_rules_of_the_category_apply(app, happyfox, billing):
    missing = happyfox.post("tickets/", {"email": "a@example.com", "subject": "s", "text": "t",
                                         "category": billing["category"]})
    assert missing.status_code == 400
    assert missing.get_json()["error"] == [{"field": f"t-cf-{billing['office']}", "errors": ["Please fill in Office"]}]
    wrong = new_ticket(happyfox, billing, **{f"t-cf-{billing['size']}": "XXL"})
    assert wrong.status_code == 400 and wrong.get_json()["error"][0]["field"] == f"t-cf-{billing['size']}"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0  # never a half-written ticket


@pytest.mark.parametrize("body,field", [({}, "subject"), ({"subject": "s"}, "category"),
                                        ({"subject": "s", "text": "t", "category": "x"}, "category"),
                                        ({"subject": "s", "text": "t", "category": 1, "priority": 7}, "priority"),
                                        ({"subject": "s", "text": "t", "category": 1, "bogus": 1}, "")])
def test_bad_input_is_400_under_error_naming_the_field(happyfox, billing, body, field):
    response = happyfox.post("tickets/", body)
    assert response.status_code == 400
    fields = [entry["field"] for entry in response.get_json()["error"]]
    assert (field or "non_field_errors") in fields


def test_invalid_json_is_400(happyfox):
    response = happyfox("POST", "tickets/", data="{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json() == {"error": "Invalid JSON body."}


def test_form_and_multipart_bodies_with_an_attachment(app, happyfox, billing):
    form = {"email": "bob@example.com", "subject": "By form", "text": "hello", "category": str(billing["category"]),
            f"t-cf-{billing['office']}": "York"}
    response = happyfox.post("tickets", data=form)
    assert response.status_code == 200, response.get_json()
    multipart = dict(form, attachments=(io.BytesIO(b"log line"), "log.txt"))
    response = happyfox("POST", "new_ticket/", data=multipart, headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["attachments_count"] == 1
    attachment = data["updates"][0]["message"]["attachments"][0]
    assert attachment["filename"] == "log.txt" and attachment["url"].endswith(f"/staff/files/{attachment['id']}")


def test_bulk_create_answers_each_item(app, happyfox, billing):
    good = {"email": "a@example.com", "subject": "One", "text": "t", "category": billing["category"],
            f"t-cf-{billing['office']}": "Leeds"}
    response = happyfox.post("tickets/", [good, {"subject": "no text"}, dict(good, subject="Two")])
    assert response.status_code == 200
    first, bad, second = response.get_json()
    assert first["success"] and second["success"] and first["display_id"].startswith("#TK")
    assert bad["success"] is False and {e["field"] for e in bad["error"]} >= {"text", "category"}
    with app.app_context():
        assert sorted(r.title for r in db.session.execute(db.select(Request)).scalars()) == ["One", "Two"]


def test_paging_with_page_info(happyfox, billing):
    ids = [new_ticket(happyfox, billing, subject=f"T{i}").get_json()["id"] for i in range(3)]
    first = happyfox.get("tickets/", size="2").get_json()
    assert first["page_info"] == {"count": 3, "page_count": 2, "start_index": 1, "end_index": 2, "last_index": 3}
    assert [t["id"] for t in first["data"]] == sorted(ids, reverse=True)[:2]
    second = happyfox.get("tickets", size="2", page="2").get_json()
    assert [t["id"] for t in second["data"]] == [min(ids)] and second["page_info"]["start_index"] == 3
    assert len(happyfox.get("tickets/").get_json()["data"]) == 3  # 10 by default
    minified = happyfox.get("tickets/", minify_response="true").get_json()["data"][0]
    assert "updates" not in minified and "display_id" in minified


@pytest.mark.parametrize("query,field", [({"size": "51"}, "size"), ({"size": "0"}, "size"), ({"page": "x"}, "page"),
                                         ({"status": "weird"}, "status"), ({"category": "a"}, "category")])
def test_bad_list_parameters_are_400(happyfox, query, field):
    response = happyfox.get("tickets/", **query)
    assert response.status_code == 400 and response.get_json()["error"][0]["field"] == field


def test_list_filters_by_status_and_category(app, happyfox, billing):
    ticket = new_ticket(happyfox, billing).get_json()
    with app.app_context():
        other = factories.category("Other")
        db.session.commit()
        other_id = other.id
    assert happyfox.get("tickets/", category=str(other_id)).get_json()["data"] == []
    assert len(happyfox.get("tickets/", category=str(billing["category"])).get_json()["data"]) == 1
    assert len(happyfox.get("tickets/", status="_pending").get_json()["data"]) == 1
    assert [t["id"] for t in happyfox.get("tickets/", status=str(ticket["status"]["id"])).get_json()["data"]] \
        == [ticket["id"]]


def test_staff_update_replies_and_changes_with_updates_history(app, happyfox, billing):
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    with app.app_context():
        closing = db.session.execute(db.select(Status).where(Status.closes.is_(True))).scalars().first()
        if closing is None:
            closing = Status(name="Solved", closes=True, position=9)
            db.session.add(closing)
            db.session.commit()
        closing_id = closing.id
    response = happyfox.post(f"ticket/{ticket_id}/staff_update/",
                             {"plaintext": "We are on it", "priority": 2, "status": closing_id})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["status"]["id"] == closing_id and data["status"]["behavior"] == "completed"
    assert data["priority"]["name"] == "Urgent" and data["unresponded"] is False and data["last_staff_reply_at"]
    reply = data["updates"][-1]
    assert reply["by"]["type"] == "staff" and reply["message"]["text"] == "We are on it"
    assert any(u["status_change"] and u["status_change"]["new"] == closing.name for u in data["updates"])


def test_private_note_is_message_type_p(happyfox, billing):
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    data = happyfox.post(f"ticket/{ticket_id}/staff_pvtnote", {"plaintext": "internal only"}).get_json()
    assert data["updates"][-1]["message"] == {"text": "internal only", "html": data["updates"][-1]["message"]["html"],
                                              "message_type": "p", "attachments": []}
    assert data["unresponded"] is True
    empty = happyfox.post(f"ticket/{ticket_id}/staff_pvtnote/", {})
    assert empty.status_code == 400 and empty.get_json()["error"][0]["field"] == "text"


def test_user_reply_as_the_tickets_contact(app, happyfox, billing):
    data = new_ticket(happyfox, billing).get_json()
    user_id = data["user"]["id"]
    response = happyfox.post(f"ticket/{data['id']}/user_reply/", {"user": user_id, "text": "Still burning"})
    assert response.status_code == 200, response.get_json()
    update = response.get_json()["updates"][-1]
    assert update["by"]["type"] == "user" and update["message"]["text"] == "Still burning"
    older = happyfox.post(f"ticket/{data['id']}/user_reply", data={"client": "ada@example.com", "text": "again"})
    assert older.status_code == 200
    stranger = happyfox.post(f"ticket/{data['id']}/user_reply/", {"user": user_id + 100, "text": "x"})
    assert stranger.status_code == 400 and stranger.get_json()["error"][0]["field"] == "user"


def test_delete_then_404(app, happyfox, billing):
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    response = happyfox.post(f"ticket/{ticket_id}/delete/")
    assert response.status_code == 200 and response.get_json() == {"deleted_ticket": f"#TK{ticket_id:08d}"}
    missing = happyfox.get(f"ticket/{ticket_id}/")
    assert missing.status_code == 404 and isinstance(missing.get_json()["error"], str)
    assert happyfox.get("tickets/").get_json()["data"] == []
    assert happyfox.post(f"ticket/{ticket_id}/staff_update/", {"plaintext": "x"}).status_code == 404


def test_unknown_ticket_is_404(happyfox):
    assert happyfox.get("ticket/999999/").status_code == 404
    assert happyfox.get("ticket/999999").status_code == 404


def test_acting_as_another_staff_member(app, client, make_key, billing):
    from tests.rest.conftest import HappyFox

    agent = HappyFox(client, make_key())
    ticket_id = new_ticket(agent, billing).get_json()["id"]
    admin = HappyFox(client, make_key(email="boss@example.com", role="administrator"))
    with app.app_context():
        from portal.accounts.models import Staff
        agent_id = db.session.execute(db.select(Staff.id).where(Staff.email == "agent@example.com")).scalar_one()
        boss_id = db.session.execute(db.select(Staff.id).where(Staff.email == "boss@example.com")).scalar_one()
    by_admin = admin.post(f"ticket/{ticket_id}/staff_pvtnote/", {"staff": agent_id, "plaintext": "for you"})
    assert by_admin.status_code == 200 and by_admin.get_json()["updates"][-1]["by"]["id"] == agent_id
    refused = agent.post(f"ticket/{ticket_id}/staff_pvtnote/", {"staff": boss_id, "plaintext": "as the boss"})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id)).where(Note.body == "as the boss")) == 0


def test_create_with_the_hfox_fields(app, happyfox, billing):
    data = new_ticket(happyfox, billing, phone="+44 1632 960000", created_at="2019-01-25 10:00:00",
                      visible_only_staff=True).get_json()
    assert data["created_at"] == "2019-01-25 10:00:00" and data["user"]["phones"][0]["number"] == "+44 1632 960000"
    assert data["updates"][0]["message"]["message_type"] == "p"
    refused = new_ticket(happyfox, billing, tags="a,b", due_date="2030-01-01", cc="x@example.com")
    assert refused.status_code == 400 and {e["field"] for e in refused.get_json()["error"]} == {"cc", "due_date"}
    assert new_ticket(happyfox, billing, tags="a,b").get_json()["tags"] == "a,b"
    bad_date = new_ticket(happyfox, billing, created_at="yesterday")
    assert bad_date.status_code == 400 and bad_date.get_json()["error"][0]["field"] == "created_at"


def test_move_to_another_category_with_a_note_and_assignee(app, happyfox, billing):
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    with app.app_context():
        other = factories.category("Other").id
        from portal.accounts.models import Staff
        agent_id = db.session.execute(db.select(Staff.id)).scalar_one()
        db.session.commit()
    response = happyfox.post(f"ticket/{ticket_id}/move/", {"staff_id": agent_id, "target_category_id": other,
                                                           "assign_to": agent_id, "move_note": "Not billing"})
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["category"]["id"] == other and data["assigned_to"]["id"] == agent_id
    assert any(u["category_change"] == {"old": "Billing", "new": "Other"} for u in data["updates"])
    assert data["updates"][-1]["message"]["message_type"] == "p"
    unknown = happyfox.post(f"ticket/{ticket_id}/move/", {"target_category_id": 99999})
    assert unknown.status_code == 400 and unknown.get_json()["error"][0]["field"] == "target_category_id"
    missing = happyfox.post(f"ticket/{ticket_id}/move/", {})
    assert missing.status_code == 400 and missing.get_json()["error"][0]["field"] == "target_category_id"


def test_update_without_a_message_assigns_and_unassigns(app, happyfox, billing):
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    with app.app_context():
        from portal.accounts.models import Staff
        agent_id = db.session.execute(db.select(Staff.id)).scalar_one()
    assigned = happyfox.post(f"ticket/{ticket_id}/staff_update/", {"assignee": agent_id}).get_json()
    assert assigned["assigned_to"]["id"] == agent_id and assigned["messages_count"] == 1
    assert any(u["assignee_change"] for u in assigned["updates"])
    unassigned = happyfox.post(f"ticket/{ticket_id}/staff_pvtnote/", {"assignee": None}).get_json()
    assert unassigned["assigned_to"] is None
    nothing = happyfox.post(f"ticket/{ticket_id}/staff_update/", {"staff": agent_id})
    assert nothing.status_code == 400
    custom = happyfox.post(f"ticket/{ticket_id}/staff_update/", {"plaintext": "x", "t-cf-999": "y"})
    assert custom.status_code == 400 and custom.get_json()["error"][0]["field"] == "t-cf-999"
    contact_field = happyfox.post(f"ticket/{ticket_id}/staff_update/", {"plaintext": "x", "c-cf-1": "y"})
    assert contact_field.status_code == 400 and contact_field.get_json()["error"][0]["field"] == "c-cf-1"
