"""A mail the importer fails on (a bug, not what the mail says) is tried again on later rounds, at most
INBOUND_MAX_ATTEMPTS times, then parked: marked read, recorded with its error for the administrators' mailbox
page, and the mailbox goes on. No Dovecot here: a stand-in for the IMAP connection (tests/mail/test_imap.py
reads a real mailbox)."""
import pytest

from portal.extensions import db
from portal.inbound import poll
from portal.inbound.models import FAILED, PARKED, InboundMail, Mailbox
from portal.inbound.services import receive
from portal.requests.models import Request
from tests import factories

from .conftest import customer_mail


class FakeImap:
    """Unseen mail by UID, as imaplib answers SEARCH, FETCH and STORE."""

    def __init__(self, mails: dict[bytes, bytes]):
        self.mails, self.seen = mails, set()

    def uid(self, command, *args):
        if command == "SEARCH":
            return "OK", [b" ".join(uid for uid in self.mails if uid not in self.seen)]
        if command == "FETCH":
            uid = args[0].encode()
            return "OK", [(b"1 (UID " + uid + b" BODY[] {n}", self.mails[uid]), b")"]
        if command == "STORE":
            self.seen.add(args[0].encode())
            return "OK", [b""]
        raise AssertionError(command)

    def logout(self):
        pass


@pytest.fixture
def app_config(mail_app_config):
    return {**mail_app_config, "INBOUND_MAX_ATTEMPTS": 3}


@pytest.fixture
def mailbox(app, ctx, monkeypatch):
    row = Mailbox(name="Support", host="imap.example.com", port=993, security="ssl", username="help", password="x",
                  category_id=factories.category("Email").id)
    db.session.add(row)
    db.session.commit()
    poison = customer_mail(subject="Poison", body="This one breaks the importer.")
    good = customer_mail(subject="Fine", body="This one is fine.")
    imap = FakeImap({b"7": poison.as_bytes(), b"8": good.as_bytes()})
    monkeypatch.setattr(poll, "connect", lambda mailbox: imap)
    def crashing(box, raw):
        if b"breaks the importer" in raw:
            raise KeyError("a bug in the importer")
        return receive(box, raw)

    monkeypatch.setattr(poll, "receive", crashing)
    return row.id, imap, poison["Message-ID"]


def _records(mailbox_id):
    db.session.expire_all()
    return db.session.scalars(db.select(InboundMail).where(InboundMail.mailbox_id == mailbox_id)
                              .order_by(InboundMail.id)).all()


def test_a_mail_that_crashes_the_importer_is_retried_then_parked_and_the_others_go_in(mailbox):
    mailbox_id, imap, poison_id = mailbox
    poll.poll(mailbox_id, force=True)
    assert imap.seen == {b"8"}  # the good one went in; the bad one is left unseen for the next round
    assert db.session.scalars(db.select(Request.title)).all() == ["Fine"]
    [failed] = [r for r in _records(mailbox_id) if r.outcome == FAILED]
    assert failed.message_id == poison_id and failed.attempts == 1 and "KeyError" in failed.reason
    assert db.session.get(Mailbox, mailbox_id).last_error.startswith("KeyError")

    poll.poll(mailbox_id, force=True)
    assert imap.seen == {b"8"} and [r.attempts for r in _records(mailbox_id) if r.outcome == FAILED] == [2]
    lines = poll.poll(mailbox_id, force=True)  # the third attempt, the last
    assert imap.seen == {b"7", b"8"} and any("parked" in line for line in lines)
    [parked] = [r for r in _records(mailbox_id) if r.message_id == poison_id]
    assert parked.outcome == PARKED and parked.attempts == 3 and "a bug in the importer" in parked.reason
    assert poll.poll(mailbox_id, force=True) == []  # nothing unseen: the mailbox has moved on
    assert db.session.scalar(db.select(db.func.count(Request.id))) == 1


def test_a_mail_that_goes_in_at_last_leaves_no_failure_behind(mailbox, monkeypatch):
    mailbox_id, imap, poison_id = mailbox
    poll.poll(mailbox_id, force=True)
    monkeypatch.setattr(poll, "receive", receive)  # the bug is fixed
    poll.poll(mailbox_id, force=True)
    assert imap.seen == {b"7", b"8"}
    outcomes = sorted(r.outcome for r in _records(mailbox_id))
    assert outcomes == ["request", "request"] and db.session.scalar(db.select(db.func.count(Request.id))) == 2


def test_parked_mail_is_shown_on_the_mailbox_page(mailbox, client):
    mailbox_id, imap, poison_id = mailbox
    for _ in range(3):
        poll.poll(mailbox_id, force=True)
    factories.staff("admin@example.com", role="administrator")
    db.session.commit()
    assert client.post("/staff/login", data={"email": "admin@example.com",
                                             "password": factories.PASSWORD}).status_code == 302
    pages = [client.get(url).get_data(as_text=True) for url in ("/staff/admin/mailboxes",
                                                                 f"/staff/admin/mailboxes/{mailbox_id}")]
    assert any("parked after 3 attempts" in html and "a bug in the importer" in html for html in pages)
