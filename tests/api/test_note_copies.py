"""private.request.create/update: email_cc, email_bcc and email_to copy a note through the outbox, to a real
SMTP server; bad addresses or a private note with copies are refused and nothing is written."""
import pytest

from portal.extensions import db
from portal.requests.models import Note, Request

from .conftest import basic

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def pcall(api, make_staff):
    make_staff("ian@example.com", first_name="Ian", last_name="Landsman")

    def call(method, **params):
        return api.call(method, headers=AUTH, output="json", via="body", **params).get_json(force=True)
    return call


def _recipients(mailbox):
    return sorted(m["To"] for m in mailbox.messages)


def test_public_reply_copies_cc_and_bcc(pcall, build, smtp_server):
    mailbox, _ = smtp_server
    request_id, key = build.request(email="cust@example.com")
    mailbox.messages.clear()
    body = pcall("private.request.update", xRequest=request_id, tNote="Fixed the hinge", fNoteType=1,
                 email_cc="boss@example.com, Team@Example.com", email_bcc="audit@example.com")
    assert body == {"xRequest": str(request_id)}
    assert _recipients(mailbox) == ["audit@example.com", "boss@example.com", "cust@example.com",
                                    "team@example.com"]
    copies = {m["To"]: m.get_content() for m in mailbox.messages}
    assert "Fixed the hinge" in copies["boss@example.com"] and "team@example.com" in copies["boss@example.com"]
    assert "audit@example.com" not in copies["boss@example.com"]  # bcc is never shown
    assert "boss@example.com" not in copies["audit@example.com"]
    assert key not in copies["boss@example.com"] and key in copies["cust@example.com"]


def test_external_note_goes_to_email_to_only(pcall, app, build, smtp_server):
    mailbox, _ = smtp_server
    request_id, _ = build.request(email="cust@example.com")
    mailbox.messages.clear()
    pcall("private.request.update", xRequest=request_id, tNote="Vendor: please check", fNoteType=2,
          email_to="vendor@example.com")
    assert _recipients(mailbox) == ["vendor@example.com"]
    assert "Vendor: please check" in mailbox.messages[0].get_content()
    with app.app_context():
        note = db.session.execute(db.select(Note).where(Note.request_id == request_id,
                                                        Note.body == "Vendor: please check")).scalar_one()
        assert not note.is_public  # never shown to the customer


def test_create_copies_the_first_note_unless_email_from_is_0(pcall, app, build, smtp_server):
    mailbox, _ = smtp_server
    bugs = build.category("Bugs")
    pcall("private.request.create", tNote="Opened for you", xCategory=bugs, sEmail="c@example.com", fNoteType=1,
          email_cc="watcher@example.com")
    assert _recipients(mailbox) == ["watcher@example.com"]
    mailbox.messages.clear()
    pcall("private.request.create", tNote="Imported", xCategory=bugs, sEmail="c@example.com", fNoteType=1,
          email_cc="watcher@example.com", email_from=0)
    assert mailbox.messages == []


@pytest.mark.parametrize("params, code", [
    ({"fNoteType": 1, "email_cc": "not an address"}, 212),
    ({"fNoteType": 0, "email_cc": "boss@example.com"}, 212),
    ({"fNoteType": 1, "email_to": "vendor@example.com"}, 212),
    ({"fNoteType": 1, "email_bcc": ",".join(f"a{i}@example.com" for i in range(21))}, 212),
])
def test_bad_copies_are_refused_and_nothing_is_written(pcall, app, build, smtp_server, params, code):
    mailbox, _ = smtp_server
    request_id, _ = build.request(email="cust@example.com")
    mailbox.messages.clear()
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(Note))
    body = pcall("private.request.update", xRequest=request_id, tNote="x", fUrgent=1, **params)
    assert [e["id"] for e in body["error"]] == [code]
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Note)) == before
        assert not db.session.get(Request, request_id).urgent


def test_create_with_bad_copies_is_207(pcall, app, build):
    bugs = build.category("Bugs")
    body = pcall("private.request.create", tNote="x", xCategory=bugs, sEmail="c@example.com",
                 email_to="vendor@example.com")
    assert [e["id"] for e in body["error"]] == [207] and "external" in body["error"][0]["description"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Request)) == 0
