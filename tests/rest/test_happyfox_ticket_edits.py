"""HappyFox 1.1's narrower ticket writes: update_tags/, update_custom_fields/ (the category's rules as on the
portal form) and forward/ (real mail through the outbox, to a real SMTP server on loopback)."""
import pytest

from portal.extensions import db
from portal.requests.models import FieldValue, Note, Request, RequestTag
from tests import factories
from tests.rest.test_happyfox_tickets import billing, new_ticket  # noqa: F401  (the fixture and helper)


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_update_tags_adds_and_removes(app, happyfox, billing):  # noqa: F811
    ticket_id = new_ticket(happyfox, billing, tags="Printer, fire").get_json()["id"]
    assert happyfox.get(f"ticket/{ticket_id}/").get_json()["tags"] == "fire,Printer"
    response = happyfox.post(f"ticket/{ticket_id}/update_tags/", {"add": "urgent,FIRE", "remove": "printer"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["tags"] == "fire,urgent"
    assert any(u.get("log", "").startswith("Tags changed") for u in response.get_json()["updates"])
    listed = happyfox.post(f"ticket/{ticket_id}/update_tags/", {"add": ["x"], "remove": ["urgent"]}).get_json()
    assert listed["tags"] == "fire,x"
    with app.app_context():
        assert sorted(t.name_key for t in db.session.get(Request, ticket_id).tags) == ["fire", "x"]
    nothing = happyfox.post(f"ticket/{ticket_id}/update_tags/", {})
    assert nothing.status_code == 400 and nothing.get_json()["error"][0]["field"] == "add"
    too_long = happyfox.post(f"ticket/{ticket_id}/update_tags/", {"add": "y" * 101})
    assert too_long.status_code == 400 and too_long.get_json()["error"][0]["field"] == "add"
    wrong = happyfox.post(f"ticket/{ticket_id}/update_tags/", {"add": {"a": 1}})
    assert wrong.status_code == 400
    assert happyfox.post("ticket/99999/update_tags/", {"add": "a"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RequestTag.id)).where(RequestTag.name_key == "y" * 101)) == 0


def test_staff_update_sets_the_whole_tag_list_and_custom_fields(app, happyfox, billing):  # noqa: F811
    ticket_id = new_ticket(happyfox, billing, tags="a,b").get_json()["id"]
    data = happyfox.post(f"ticket/{ticket_id}/staff_update/", {"tags": "c", f"t-cf-{billing['size']}": "M"})
    assert data.status_code == 200, data.get_json()
    assert data.get_json()["tags"] == "c"
    assert {"id": billing["size"], "name": "Size", "value": "M", "type": "dropdown"} in data.get_json()["custom_fields"]


def test_update_custom_fields_follows_the_category_rules(app, happyfox, billing):  # noqa: F811
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    office, size = f"t-cf-{billing['office']}", f"t-cf-{billing['size']}"
    changed = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {office: "York", size: "S"})
    assert changed.status_code == 200, changed.get_json()
    values = {f["id"]: f["value"] for f in changed.get_json()["custom_fields"]}
    assert values == {billing["office"]: "York", billing["size"]: "S"}
    assert any(u.get("log") == 'Office changed from "Leeds" to "York"' for u in changed.get_json()["updates"])
    cleared = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {size: ""}).get_json()
    assert {f["id"] for f in cleared["custom_fields"]} == {billing["office"]}
    required = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {office: "", size: "M"})
    assert required.status_code == 400
    assert required.get_json()["error"] == [{"field": office, "errors": ["Please fill in Office"]}]
    bad_choice = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {size: "XXL"})
    assert bad_choice.status_code == 400 and bad_choice.get_json()["error"][0]["field"] == size
    with app.app_context():
        other = factories.custom_field("Elsewhere").id
        db.session.commit()
    unused = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {f"t-cf-{other}": "x"})
    assert unused.status_code == 400 and unused.get_json()["error"][0]["field"] == f"t-cf-{other}"
    empty = happyfox.post(f"ticket/{ticket_id}/update_custom_fields/", {})
    assert empty.status_code == 400
    with app.app_context():  # the failed writes changed nothing, not even the field sent with a bad one
        rows = db.session.execute(db.select(FieldValue.field_id, FieldValue.value)
                                  .where(FieldValue.request_id == ticket_id)).all()
        assert rows == [(billing["office"], "York")]


def test_forward_sends_real_mail(app, happyfox, billing, smtp_server):  # noqa: F811
    mailbox, _ = smtp_server
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    happyfox.post(f"ticket/{ticket_id}/staff_pvtnote/", {"plaintext": "Secret plan"})
    mailbox.messages.clear()
    response = happyfox.post(f"ticket/{ticket_id}/forward/", {
        "to": "supplier@example.com, boss@example.com", "bcc": "audit@example.com", "subject": "Please look",
        "message": "Can you fix this?", "convert_replies_as_new_ticket": True, "send_all_messages": True})
    assert response.status_code == 200, response.get_json()
    assert sorted(m["To"] for m in mailbox.messages) == ["audit@example.com", "boss@example.com",
                                                         "supplier@example.com"]
    body = mailbox.messages[0].get_content()
    assert mailbox.messages[0]["Subject"] == "Please look"
    assert "Can you fix this?" in body and "It is really on fire" in body and "Secret plan" not in body
    assert response.get_json()["updates"][-1]["log"].startswith("Forwarded by mail to supplier@example.com")
    mailbox.messages.clear()
    with_notes = happyfox.post(f"ticket/{ticket_id}/forward/", {"to": ["a@example.com"], "subject": "s",
                                                                "message": "m", "include_pvt_notes": True,
                                                                "to_include_ticket_contact": True})
    assert with_notes.status_code == 200
    assert sorted(m["To"] for m in mailbox.messages) == ["a@example.com", "ada@example.com"]
    assert "Secret plan" in mailbox.messages[0].get_content()


@pytest.mark.parametrize("body,field", [
    ({"subject": "s", "message": "m"}, "to"), ({"to": "not an address", "subject": "s", "message": "m"}, "to"),
    ({"to": "a@example.com", "message": "m"}, "subject"), ({"to": "a@example.com", "subject": "s"}, "message"),
    ({"to": "a@example.com", "subject": "s", "message": "m", "ticket_attachments": "1"}, "ticket_attachments"),
    ({"to": ",".join(f"a{n}@example.com" for n in range(21)), "subject": "s", "message": "m"}, "to"),
])
def test_forward_refuses_bad_input_and_sends_nothing(app, happyfox, billing, smtp_server, body, field):  # noqa: F811
    mailbox, _ = smtp_server
    ticket_id = new_ticket(happyfox, billing).get_json()["id"]
    mailbox.messages.clear()
    response = happyfox.post(f"ticket/{ticket_id}/forward/", body)
    assert response.status_code == 400 and response.get_json()["error"][0]["field"] == field
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id)).where(Note.log.like("Forwarded%"))) == 0
