"""DeskPRO v2: POST /blobs/temp and attachments by blob on messages and new tickets; ticket updates of
subject, person and fields (the category's custom-field rules); X-Deskpro-Api-Get-Query-Body."""
import io
import json

from portal.extensions import db
from portal.requests.models import Attachment, Category, CategoryField, CustomField, Note, Request


def upload(deskpro, name="report.txt", data=b"hello blob", key=...):
    headers = {"Authorization": f"key {deskpro.key if key is ... else key}"}
    return deskpro.client.post("/api/v2/blobs/temp", data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data", headers=headers)


def new_ticket(deskpro, **extra):
    body = {"subject": "Printer", "person": "ada@example.com", "message": {"message": "hi"}, **extra}
    response = deskpro("POST", "tickets", body=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def test_blob_upload_then_attach_to_a_message(app, deskpro):
    response = upload(deskpro)
    assert response.status_code == 201, response.get_json()
    blob = response.get_json()["data"]
    assert blob["filename"] == "report.txt" and blob["blob_auth"] and isinstance(blob["blob_id"], int)
    assert response.headers["Location"].endswith(f"/blobs/temp/{blob['blob_id']}")
    assert deskpro.get(f"blobs/temp/{blob['blob_id']}").data == b"hello blob"
    ticket_id = new_ticket(deskpro)
    sent = deskpro("POST", f"tickets/{ticket_id}/messages",
                   body={"message": "see file", "attachments": [{"blob_auth": blob["blob_auth"]}]})
    assert sent.status_code == 201, sent.get_json()
    assert [a["filename"] for a in sent.get_json()["data"]["attachments"]] == ["report.txt"]
    with app.app_context():
        attachment = db.session.execute(db.select(Attachment)).scalar_one()
        assert attachment.size == len(b"hello blob") and attachment.note.request_id == ticket_id


def test_new_ticket_first_message_takes_blobs(app, deskpro):
    blob = upload(deskpro, "shot.png", b"\x89PNG fake").get_json()["data"]
    ticket_id = new_ticket(deskpro, message={"message": "look", "attachments": [{"blob_auth": blob["blob_auth"]}]})
    with app.app_context():
        note = db.session.execute(db.select(Note).where(Note.request_id == ticket_id)).scalar_one()
        assert [a.filename for a in note.attachments] == ["shot.png"]


def test_unknown_or_foreign_blobs_are_field_errors_and_nothing_is_written(app, deskpro, make_key):
    other = make_key(email="kim@example.com")
    theirs = upload(deskpro, key=other).get_json()["data"]
    ticket_id = new_ticket(deskpro)
    for attachments in ([{"blob_auth": "nope"}], [{"blob_auth": theirs["blob_auth"]}], [42], "x"):
        response = deskpro("POST", f"tickets/{ticket_id}/messages",
                           body={"message": "see file", "attachments": attachments})
        assert response.status_code == 400, attachments
        assert "attachments" in response.get_json()["errors"]["fields"]
    assert deskpro.get(f"blobs/temp/{theirs['blob_id']}").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Note)) == 1


def test_blob_upload_needs_a_file_and_respects_blocked_types(deskpro):
    missing = deskpro.client.post("/api/v2/blobs/temp", data={}, headers={"Authorization": f"key {deskpro.key}"})
    assert missing.status_code == 400 and "file" in missing.get_json()["errors"]["fields"]
    blocked = upload(deskpro, "evil.exe", b"MZ")
    assert blocked.status_code == 400 and "file" in blocked.get_json()["errors"]["fields"]


def test_update_subject_person_and_fields(app, deskpro):
    with app.app_context():
        serial = CustomField(name="Serial", field_type="numtext")
        office = CustomField(name="Office", field_type="text")
        db.session.add_all([serial, office])
        db.session.flush()
        billing = Category(name="Billing")
        db.session.add(billing)
        db.session.flush()
        db.session.add(CategoryField(category_id=billing.id, field_id=serial.id))
        db.session.commit()
        serial_id, office_id, billing_id = serial.id, office.id, billing.id
    ticket_id = new_ticket(deskpro, department=billing_id)
    response = deskpro("PUT", f"tickets/{ticket_id}", body={
        "subject": "Printer on fire", "person": {"name": "Bob Builder", "email": "bob@example.com"},
        "fields": {str(serial_id): {"value": "42"}}}, follow_location="1")
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert data["subject"] == "Printer on fire" and data["person_email"] == "bob@example.com"
    assert data["fields"][str(serial_id)]["value"] == "42"
    with app.app_context():
        req = db.session.get(Request, ticket_id)
        assert (req.first_name, req.last_name) == ("Bob", "Builder")
        logs = [n.log for n in req.notes if n.log]
        assert any(line.startswith("Subject changed") for line in logs) and any("Serial" in line for line in logs)
    # the category's rules: a bad value, a field the category does not use, a blank subject; nothing changes
    for body, path in (({"fields": {str(serial_id): "forty-two"}}, "fields"),
                       ({"fields": {str(office_id): "Paris"}}, "fields"),
                       ({"subject": " ", "urgency": 10}, "subject"),
                       ({"person": "not an email", "urgency": 10}, "person")):
        bad = deskpro("PUT", f"tickets/{ticket_id}", body=body)
        assert bad.status_code == 400, body
        assert path in bad.get_json()["errors"]["fields"], bad.get_json()
    with app.app_context():
        req = db.session.get(Request, ticket_id)
        assert req.title == "Printer on fire" and not req.urgent
        assert {fv.field_id: fv.value for fv in req.field_values} == {serial_id: "42"}


def test_get_query_body_header_reads_the_body_as_the_query(deskpro):
    new_ticket(deskpro, person="ada@example.com")
    new_ticket(deskpro, person="bob@example.com")
    headers = {"X-Deskpro-Api-Get-Query-Body": "1"}
    found = deskpro("POST", "people", body={"primary_email": "bob@example.com"}, headers=headers)
    assert found.status_code == 200, found.get_json()
    assert [p["primary_email"] for p in found.get_json()["data"]] == ["bob@example.com"]
    tickets = deskpro("GET", "tickets", body={"person_email": "ada@example.com", "count": 1}, headers=headers)
    body = tickets.get_json()
    assert body["meta"]["per_page"] == 1 and [t["person_email"] for t in body["data"]] == ["ada@example.com"]
    bad = deskpro("POST", "people", body={"primary_email": {"x": 1}}, headers=headers)
    assert bad.status_code == 400 and "primary_email" in bad.get_json()["errors"]["fields"]
    # without the header a POST to /people still creates
    created = deskpro("POST", "people", body={"primary_email": "new@example.com"})
    assert created.status_code == 201
    assert json.loads(deskpro.get("people", primary_email="new@example.com").data)["meta"]["total"] == 1
