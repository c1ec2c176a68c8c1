"""Against a real IMAP server on loopback (Dovecot, started by tests/mail/conftest.py) and the aiosmtpd
sink: the worker's poll reads new mail once, the whole round trip by mail works, a wrong password is
reported on the mailbox, and an auto-reply storm stops."""
from email.message import EmailMessage

from portal import settings
from portal.accounts.models import Staff
from portal.extensions import db
from portal.inbound.models import InboundMail, Mailbox
from portal.inbound.poll import poll_due
from portal.notifications import services as notifications
from portal.outbox.worker import Worker
from portal.requests import workflow
from portal.requests.models import Note, Request
from tests import factories

from .conftest import customer_mail


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_the_worker_reads_new_mail_once(app, dovecot, mailbox):
    dovecot.deliver(customer_mail())
    dovecot.deliver(customer_mail(sender="lee@example.com", subject="Second"))
    lines: list[str] = []
    with app.app_context():
        Worker(echo=lines.append).run_once()  # the worker's loop polls mailboxes whose round has come
        assert count(Request) == 2 and dovecot.unseen() == 0
        assert db.session.get(Mailbox, mailbox).last_error is None
        Worker(echo=lines.append).run_once()  # not due again before inbound_poll_seconds
        assert poll_due(force=True) == []  # and forced, nothing unseen is left
        assert count(Request) == 2 and count(InboundMail) == 2
    assert lines == ["mailbox Support: request", "mailbox Support: request"]


def test_a_mail_already_recorded_is_not_read_in_twice(app, dovecot, mailbox):
    message = customer_mail()
    dovecot.deliver(message)
    with app.app_context():
        poll_due(force=True)
        dovecot.deliver(message)  # the same mail again (committed, then the \Seen flag was lost)
        assert poll_due(force=True) == [f"mailbox Support: {message['Message-ID']} was read before"]
        assert count(Request) == 1 and dovecot.unseen() == 0


def test_a_wrong_password_is_shown_on_the_mailbox(app, dovecot, mailbox):
    with app.app_context():
        db.session.get(Mailbox, mailbox).password = "wrong"
        db.session.commit()
        [line] = poll_due(force=True)
        assert "Support" in line and db.session.get(Mailbox, mailbox).last_error


def answer_to(mail: EmailMessage, text: str, sender="pat@example.com") -> EmailMessage:
    """What a mail program sends when the customer presses Reply: to Reply-To, Re: subject, quoted."""
    answer = customer_mail(sender=sender, subject=f"Re: {mail['Subject']}", to=mail["Reply-To"] or mail["From"],
                           body=text + "\n\nOn Tuesday, Help Desk wrote:\n" +
                           "\n".join("> " + line for line in mail.get_content().splitlines()))
    answer["In-Reply-To"] = mail["Message-ID"]
    return answer


def test_round_trip_by_mail(app, smtp_server, dovecot, mailbox):
    """A customer mails in, the category's agent is told and replies, the customer gets the text by mail
    and answers by mail, the answer is a note on the request and the agent is told."""
    sink, _ = smtp_server
    with app.test_request_context():
        agent = factories.staff("sam@example.com", first_name="Sam")
        category = factories.category("Support")
        notifications.save_preferences(agent, {"new_request", "customer_update"}, {category.id})
        db.session.get(Mailbox, mailbox).category_id = category.id
        db.session.commit()
    dovecot.deliver(customer_mail(body="My printer smokes."))
    with app.app_context():
        poll_due(force=True)
        req = db.session.scalars(db.select(Request)).one()
        request_id = req.id
    told, auto_reply = sorted(sink.messages, key=lambda m: m["To"], reverse=True)
    assert auto_reply["To"] == "pat@example.com" and told["To"] == "sam@example.com"
    assert "My printer smokes." in told.get_content()
    with app.test_request_context():
        workflow.update_request(db.session.get(Request, request_id), db.session.get(Staff, 1), assigned_to_id=1)
        workflow.add_staff_note(db.session.get(Request, request_id), db.session.get(Staff, 1),
                                "Unplug it, then tell me.", public=True)
        db.session.commit()
    reply = sink.messages[-1]
    assert reply["To"] == "pat@example.com" and "Unplug it, then tell me." in reply.get_content()
    dovecot.deliver(answer_to(reply, "Unplugged. No more smoke."))
    with app.app_context():
        assert poll_due(force=True) == ["mailbox Support: note"]
        notes = db.session.scalars(db.select(Note).where(Note.request_id == request_id, Note.author_id == 0)
                                   .order_by(Note.id)).all()
        assert [n.body for n in notes][-1] == "Unplugged. No more smoke."
        assert count(Request) == 1
    told_again = sink.messages[-1]
    assert told_again["To"] == "sam@example.com" and "Unplugged. No more smoke." in told_again.get_content()


def test_an_auto_reply_storm_stops(app, smtp_server, dovecot, mailbox):
    """A careless autoresponder (no Auto-Submitted, no Precedence) answers every mail we send it, and we
    would answer every new mail it sends: the daily cap on auto-replies per sender ends the loop."""
    sink, _ = smtp_server
    bot = "robot@example.net"
    with app.app_context():
        settings.set_value("auto_replies_per_day", 3)
        db.session.commit()
    dovecot.deliver(customer_mail(sender=bot, subject="Hello"))
    answered, rounds = 0, 0
    with app.app_context():
        while rounds < 20:
            rounds += 1
            poll_due(force=True)
            to_bot = [m for m in sink.messages if m["To"] == bot]
            if len(to_bot) == answered:
                break  # we sent the robot nothing new: the loop is over
            for mail in to_bot[answered:]:  # the robot answers each, ignoring our Auto-Submitted
                dovecot.deliver(customer_mail(sender=bot, subject=f"Out of office: {mail['Subject']}",
                                              body="I am away."))
            answered = len(to_bot)
        assert answered == 3 and rounds == 4  # three auto-replies; the fourth round sends nothing
        assert count(Request) == 4  # the first mail and the robot's three answers: kept, never answered
    # A polite responder (RFC 3834) is never even read in as a request.
    dovecot.deliver(customer_mail(sender="polite@example.net", Auto_Submitted="auto-replied"))
    with app.app_context():
        [line] = poll_due(force=True)
        assert line.startswith("mailbox Support: skipped Auto-Submitted")
        assert count(Request) == 4


def test_administrators_configure_mailboxes(app, client, make_staff, dovecot):
    make_staff("ada@example.com", role="administrator")
    make_staff("sam@example.com", role="agent")
    client.post("/staff/login", data={"email": "sam@example.com", "password": factories.PASSWORD})
    assert client.get("/staff/admin/mailboxes").status_code == 403
    client.post("/staff/logout")
    client.post("/staff/login", data={"email": "ada@example.com", "password": factories.PASSWORD})
    form = {"name": "Support", "host": "127.0.0.1", "port": str(dovecot.port), "security": "none",
            "folder": "INBOX", "username": "help", "password": "imap secret", "active": "1"}
    assert client.post("/staff/admin/mailboxes/new", data={**form, "port": "99999"}).status_code == 400
    # In clear over the network: refused (loopback only).
    assert client.post("/staff/admin/mailboxes/new", data={**form, "host": "imap.example.com"}).status_code == 400
    assert client.post("/staff/admin/mailboxes/new", data=form).status_code == 303
    page = client.get("/staff/admin/mailboxes").get_data(as_text=True)
    assert "Support" in page and "imap secret" not in page
    dovecot.deliver(customer_mail())
    with app.app_context():
        assert poll_due(force=True) == ["mailbox Support: request"]
    page = client.get("/staff/admin/mailboxes/1").get_data(as_text=True)
    assert "pat@example.com" in page and "imap secret" not in page  # recent mail, never the password
    client.post("/staff/admin/mailboxes/1", data={**form, "password": "", "name": "Renamed"})
    with app.app_context():
        assert db.session.get(Mailbox, 1).password == "imap secret"  # kept when left empty


def test_a_round_is_taken_by_one_poller_only(app, mailbox):
    """Two workers looking at once: the UPDATE that takes a mailbox's round succeeds for one of them."""
    from portal.inbound.poll import _claim

    with app.app_context():
        assert _claim(mailbox, force=False) is True
        assert _claim(mailbox, force=False) is False  # taken: not due again before inbound_poll_seconds
        settings.set_value("inbound_poll_seconds", 0)
        db.session.commit()
        assert _claim(mailbox, force=False) is True
