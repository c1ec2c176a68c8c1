"""What becomes of one inbound mail (no IMAP here: tests/mail/test_imap.py reads a real mailbox): an
answer carrying a request's token is a note on it; any other mail opens a request as the portal form
would; automatic mail is skipped; auto-replies to one sender are capped per day."""
import pytest

from portal import settings
from portal.extensions import db
from portal.inbound import services, tokens
from portal.inbound.models import Mailbox
from portal.inbound.parse import REPLY_ABOVE
from portal.requests.models import VIA_EMAIL, FieldValue, Note, Request
from tests import factories

from .conftest import customer_mail


@pytest.fixture
def box(app):
    with app.app_context():
        category = factories.category("Email")
        row = Mailbox(name="Support", host="imap.example.com", port=993, security="ssl", username="help",
                      password="x", category_id=category.id)
        db.session.add(row)
        db.session.commit()
        return row.id



def test_a_new_mail_opens_a_request_in_the_mailbox_category_with_its_files(app, smtp_server, box):
    mailbox, _ = smtp_server
    message = customer_mail(body="The printer smokes.")
    message.add_attachment(b"PNGDATA", maintype="image", subtype="png", filename="smoke.png")
    with app.test_request_context():
        record = services.receive(db.session.get(Mailbox, box), message.as_bytes())
        db.session.commit()
        req = db.session.get(Request, record.request_id)
        assert record.outcome == "request" and record.auto_replied
        assert (req.email, req.first_name, req.last_name, req.title) == ("pat@example.com", "Pat", "Lee",
                                                                         "Printer on fire")
        assert req.opened_via == VIA_EMAIL and req.category.name == "Email"
        assert "The printer smokes." in req.notes[0].body
        assert [a.filename for a in req.notes[0].attachments] == ["smoke.png"]
    [auto_reply] = mailbox.messages
    assert auto_reply["To"] == "pat@example.com" and auto_reply["Auto-Submitted"] == "auto-replied"


def test_the_portal_forms_rules_hold(app, box):
    spam = "buy http://a.test http://b.test http://c.test http://d.test now"
    with app.test_request_context():
        field = factories.custom_field("Office", required=True)
        required = factories.category("Strict", fields=[field])
        db.session.commit()
        record = services.receive(db.session.get(Mailbox, box), customer_mail(body=spam).as_bytes())
        assert db.session.get(Request, record.request_id).status_id == 2  # the spam check, as on the form
        assert not record.auto_replied  # and no auto-reply to spam
        db.session.get(Mailbox, box).category_id = required.id
        refused = services.receive(db.session.get(Mailbox, box), customer_mail(sender="b@example.com").as_bytes())
        db.session.commit()
        assert refused.outcome == "refused" and "Office" in refused.reason
        assert db.session.scalar(db.select(db.func.count(Request.id)).where(Request.email == "b@example.com")) == 0
        assert db.session.scalar(db.select(db.func.count(FieldValue.request_id))) == 0


def test_an_answer_with_the_token_becomes_a_note_without_the_quoted_mail(app, box):
    with app.test_request_context():
        req = factories.request(email="pat@example.com")
        req.is_open = False
        db.session.commit()
        body = f"Still broken.\n\nOn Monday Help Desk wrote:\n> {REPLY_ABOVE}\n> Turn it off"
        answer = customer_mail(subject="Re: Reply to your request", body=body,
                               to=f"help+r{tokens.token(req)}@portal.test")
        record = services.receive(db.session.get(Mailbox, box), answer.as_bytes())
        db.session.commit()
        assert record.outcome == "note" and record.request_id == req.id
        note = db.session.scalars(db.select(Note).where(Note.request_id == req.id, Note.author_id == 0,
                                                        Note.is_initial.is_(False))).one()
        assert note.body == "Still broken." and note.is_public
        assert db.session.get(Request, req.id).is_open  # answered: open again, as a portal update does


def test_a_subject_naming_a_request_without_a_valid_token_opens_a_new_one(app, box):
    with app.test_request_context():
        req = factories.request(email="pat@example.com")
        db.session.commit()
        forged = f"[#{req.id}-0123456789abcdef]"
        record = services.receive(db.session.get(Mailbox, box),
                                  customer_mail(subject=f"Re: request {req.id} {forged}").as_bytes())
        db.session.commit()
        assert record.outcome == "request" and record.request_id != req.id


@pytest.mark.parametrize("headers, reason", [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted"),
    ({"Precedence": "bulk"}, "Precedence"),
    ({"Precedence": "list"}, "Precedence"),
    ({"Precedence": "junk"}, "Precedence"),
    ({"X_Auto_Response_Suppress": "All"}, "X-Auto-Response-Suppress"),
    ({"Return_Path": "<>"}, "null return path"),
])
def test_automatic_mail_is_skipped(app, box, headers, reason):
    with app.test_request_context():
        record = services.receive(db.session.get(Mailbox, box), customer_mail(**headers).as_bytes())
        db.session.commit()
        assert record.outcome == "skipped" and reason in record.reason
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_reports_and_our_own_mail_are_skipped(app, box):
    report = customer_mail()
    report.replace_header("Message-ID", "<123.456@portico>")
    bounce = customer_mail()
    bounce.make_mixed()
    bounce.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"')
    own = customer_mail(sender="help@portal.test")
    with app.test_request_context():
        outcomes = [services.receive(db.session.get(Mailbox, box), m.as_bytes()) for m in (report, bounce, own)]
        assert [r.outcome for r in outcomes] == ["skipped"] * 3
        assert "our own Message-ID" in outcomes[0].reason and "report" in outcomes[1].reason
        assert "our own address" in outcomes[2].reason


def test_loop_protection_can_be_turned_off(app, box):
    with app.test_request_context():
        settings.set_value("inbound_loop_protection", False)
        record = services.receive(db.session.get(Mailbox, box), customer_mail(Precedence="bulk").as_bytes())
        assert record.outcome == "request"


def test_auto_replies_to_one_sender_are_capped_per_day(app, smtp_server, box):
    mailbox, _ = smtp_server
    with app.test_request_context():
        settings.set_value("auto_replies_per_day", 2)
        db.session.commit()
        for number in range(5):
            services.receive(db.session.get(Mailbox, box), customer_mail(subject=f"#{number}").as_bytes())
            db.session.commit()
        services.receive(db.session.get(Mailbox, box), customer_mail(sender="other@example.com").as_bytes())
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 6  # every mail is still a request
    assert [m["To"] for m in mailbox.messages] == ["pat@example.com"] * 2 + ["other@example.com"]
