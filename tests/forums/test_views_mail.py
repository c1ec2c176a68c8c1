"""Subscribing to replies from the portal's forum forms sends mail through the real SMTP server."""
import time

import pytest

from portal import spam
from portal.extensions import db
from portal.forums.models import Forum, Post


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def form(app, **fields):
    with app.test_request_context():
        fields["form_token"] = spam.form_token(now=time.time() - 30)
    return fields


def wait_for(mailbox, count, seconds=5):
    deadline = time.time() + seconds
    while len(mailbox.messages) < count and time.time() < deadline:
        time.sleep(0.05)
    return mailbox.messages


def test_a_subscriber_is_emailed_about_replies_but_never_about_held_spam(app, client, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
    started = client.post(f"/forums/{forum_id}", data=form(app, title="Printing", body="How do I print?",
                                                            name="Ann", email="ann@example.com",
                                                            fEmailUpdate="1"))
    topic_url = started.headers["Location"]
    # The checkbox brings a confirmation link first; replies follow its use.
    [confirmation] = wait_for(mailbox, 1)
    confirm = confirmation.get_content().split("http://portal.test")[1].split()[0]
    assert client.post(confirm).status_code == 303
    client.post(topic_url, data=form(app, body="Use Ctrl+P.", name="Bob", email="bob@example.com"))
    messages = wait_for(mailbox, 2)[1:]
    assert len(messages) == 1
    assert messages[0]["To"] == "ann@example.com" and messages[0]["Subject"] == "Re: Printing"
    assert "Use Ctrl+P." in messages[0].get_content() and f"http://portal.test{topic_url}" in messages[0].get_content()

    links = " ".join(f"http://spam{n}.example" for n in range(4))
    client.post(topic_url, data=form(app, body=links, name="Spammer"))
    time.sleep(0.3)
    assert len(mailbox.messages) == 2
    with app.app_context():
        assert db.session.query(Post).filter(Post.spam.is_(True)).count() == 1


def test_without_the_checkbox_nobody_is_subscribed(app, client, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
    topic_url = client.post(f"/forums/{forum_id}", data=form(app, title="T", body="B", name="Ann",
                                                             email="ann@example.com")).headers["Location"]
    client.post(topic_url, data=form(app, body="Reply", name="Bob"))
    time.sleep(0.3)
    assert mailbox.messages == []
