"""DeskPRO v2 ticket messages: a request's notes, written through the same workflow as the staff page."""
from portal.extensions import db
from portal.requests.models import Note, Request

from .test_deskpro_tickets import new_ticket


def test_list_get_and_add_messages_and_notes(app, deskpro):
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    reply = deskpro("POST", f"tickets/{ticket_id}/messages", body={"message": "On our way", "format": "text"})
    assert reply.status_code == 201, reply.get_json()
    data = reply.get_json()["data"]
    assert reply.headers["Location"].endswith(f"/tickets/{ticket_id}/messages/{data['id']}")
    assert data["is_agent_note"] == 0 and data["message_preview_text"] == "On our way" and data["is_agent"]
    note = deskpro("POST", f"tickets/{ticket_id}/messages", body={"message": "<i>internal</i>", "is_note": True})
    assert note.get_json()["data"]["is_agent_note"] == 1
    listed = deskpro.get(f"tickets/{ticket_id}/messages").get_json()
    assert [m["is_agent_note"] for m in listed["data"]] == [0, 0, 1] and listed["meta"]["total"] == 3
    one = deskpro.get(f"tickets/{ticket_id}/messages/{data['id']}").get_json()["data"]
    assert one["id"] == data["id"] and "On our way" in one["message"]
    assert deskpro.get(f"tickets/{ticket_id}/messages/999").status_code == 404
    assert deskpro.get("tickets/999/messages").status_code == 404
    # A public agent reply makes the ticket await the user, as from the staff page.
    assert deskpro.get(f"tickets/{ticket_id}").get_json()["data"]["status"] == "awaiting_user"
    with app.app_context():
        notes = db.session.execute(db.select(Note).where(Note.request_id == ticket_id, Note.log == "")
                                   .order_by(Note.id)).scalars()
        assert [n.is_public for n in notes] == [True, True, False]


def test_a_message_from_the_tickets_person_is_a_customer_update(app, deskpro):
    created = new_ticket(deskpro).get_json()["data"]
    deskpro("PUT", f"tickets/{created['id']}", body={"status": "resolved"})
    response = deskpro("POST", f"tickets/{created['id']}/messages",
                       body={"message": "Still broken", "person": created["person"], "format": "text"})
    assert response.status_code == 201 and response.get_json()["data"]["is_agent"] is False
    assert response.get_json()["data"]["person"] == created["person"]
    assert deskpro.get(f"tickets/{created['id']}").get_json()["data"]["status"] == "awaiting_agent"  # reopened
    other = deskpro("POST", f"tickets/{created['id']}/messages", body={"message": "x", "person": 424242})
    assert other.status_code == 400 and "person" in other.get_json()["errors"]["fields"]


def test_blank_message_is_400_naming_the_field_and_writes_nothing(app, deskpro):
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    for body in ({}, {"message": "   "}, {"message": ["x"]}, {"message": "x", "extra": 1}):
        response = deskpro("POST", f"tickets/{ticket_id}/messages", body=body)
        assert response.status_code == 400, body
        errors = response.get_json()["errors"]
        assert "message" in errors["fields"] or errors["errors"][0]["code"] == "extra_fields"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id)).where(Note.request_id == ticket_id)) == 1
        assert db.session.get(Request, ticket_id) is not None


def test_message_tags(deskpro, make_key):
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    key = make_key(name="no notes", tags="*, -tickets.messages.create")
    assert deskpro.get(f"tickets/{ticket_id}/messages", key=key).status_code == 200
    assert deskpro("POST", f"tickets/{ticket_id}/messages", body={"message": "x"}, key=key).status_code == 403
