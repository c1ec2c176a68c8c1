"""Real mail to a real SMTP server on loopback; a dead server never loses the request."""
import logging

import pytest

from portal.extensions import db
from portal.forums.models import Forum
from portal.forums.services import PostInput, create_post, create_topic
from portal.requests.models import Request
from portal.requests.services import RequestInput, create_request
from tests.conftest import free_port


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_access_key_mail_is_sent_after_commit_only(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        req = create_request(RequestInput(note="Help", email="tim@example.com", first_name="Tim", title="Printer"))
        assert mailbox.messages == []  # nothing leaves before the commit
        db.session.commit()
        key = req.access_key
    [message] = mailbox.messages
    assert message["To"] == "tim@example.com"
    body = message.get_content()
    assert key in body and "http://portal.test/requests/link/" in body
    assert "Printer" not in body and "Tim" not in body  # nothing the sender typed


def test_rolled_back_request_sends_nothing(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        create_request(RequestInput(note="Help", email="tim@example.com"))
        db.session.rollback()
        db.session.commit()
    assert mailbox.messages == []


def test_forum_subscribers_get_replies_once_they_confirmed(app, smtp_server):
    # Asking for replies mails a confirmation link first; replies go to confirmed
    # addresses only (tests/security/test_mail_subscriptions.py has the rest).
    from portal.forums import subscriptions

    mailbox, _ = smtp_server
    with app.test_request_context():
        forum = Forum(name="Q")
        db.session.add(forum)
        topic, _ = create_topic(forum, PostInput(title="Sync", name="Ann", body="Slow", email="ann@example.com",
                                                 email_updates=True))
        db.session.commit()
        [confirmation] = mailbox.messages
        token = confirmation.get_content().split("/forums/subscriptions/")[1].split("/")[0]
        subscriptions.confirm(token)
        create_post(topic, PostInput(name="Ben", body="Same here", email="ben@example.com"))
        db.session.commit()
    confirmation, message = mailbox.messages
    assert message["To"] == "ann@example.com" and "Ben replied" in message.get_content()


def test_smtp_down_keeps_the_request_and_logs(app, caplog):
    app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens there
    with app.test_request_context(), caplog.at_level(logging.ERROR, logger="portal.mail"):
        create_request(RequestInput(note="Help", email="tim@example.com"))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1
    assert any("mail to tim@example.com failed" in r.getMessage() for r in caplog.records)


@pytest.mark.own_database  # the mail thread works on a connection of its own
def test_async_mail_leaves_the_page_before_smtp_answers(app, smtp_server):
    import time

    mailbox, _ = smtp_server
    app.config["MAIL_ASYNC"] = True
    with app.test_request_context():
        create_request(RequestInput(note="Help", email="async@example.com"))
        db.session.commit()
    deadline = time.monotonic() + 10
    while not mailbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = mailbox.messages
    assert message["To"] == "async@example.com"
