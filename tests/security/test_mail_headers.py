"""CR/LF in a subject made reply mails fail silently while staff were told the customer
was emailed.

- Titles (request subjects, forum topics) lose CR/LF and other control characters when written, from the
  portal and from the API.
- ``portal.mail`` makes every header value one line itself (defence in depth: rows written before the fix).
- The staff page says a mail is on its way only when one was queued, and a mail that could not be sent
  leaves a private line in the request's history.
"""
import base64
import re
import time

import pytest

from portal import mail, settings, spam
from portal.extensions import db
from portal.forums.models import Forum, Topic
from portal.requests.models import STATUS_SPAM, Note, Request
from portal.requests.services import RequestInput, create_request
from tests.conftest import free_port

INJECTED = "Invoice\r\nBcc: everyone@example.com\r\n\r\nInjected body\x00\x0b\u2028end"


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def human(app) -> dict:
    with app.test_request_context():
        return {"form_token": spam.form_token(now=time.time() - 30), spam.HONEYPOT_FIELD: ""}


def one_line(value: str) -> bool:
    return not any(ch in value for ch in "\r\n\x00\x0b\u2028")


def test_a_request_title_from_the_portal_form_is_stored_on_one_line(app, client):
    response = client.post("/requests/new", data={"first_name": "Ana\r\nX-Evil: 1", "email": "ana@example.org",
                                                  "title": INJECTED, "note": "Charged twice.", **human(app)})
    assert response.status_code == 302
    with app.app_context():
        req = db.session.execute(db.select(Request)).scalar_one()
        assert one_line(req.title) and one_line(req.first_name)
        assert req.title.startswith("Invoice Bcc: everyone@example.com Injected body")


def test_a_request_title_from_the_private_api_is_stored_on_one_line(app, client, make_staff):
    make_staff("ian@example.com")
    with app.app_context():
        settings.set_value("private_api", True)
        db.session.commit()
    auth = {"Authorization": "Basic " + base64.b64encode(b"ian@example.com:correct horse").decode()}
    response = client.post("/api/index.php", headers=auth, data={
        "method": "private.request.create", "tNote": "Charged twice", "sEmail": "ana@example.org",
        "sTitle": INJECTED, "xCategory": "0", "output": "json"})
    assert response.status_code == 200, response.data
    with app.app_context():
        assert one_line(db.session.execute(db.select(Request)).scalar_one().title)


def test_a_forum_topic_title_is_stored_on_one_line(app, client):
    with app.app_context():
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
    client.post(f"/forums/{forum_id}", data={"title": INJECTED, "body": "Body", "name": "Ann\r\nBcc: x", **human(app)})
    with app.app_context():
        topic = db.session.execute(db.select(Topic)).scalar_one()
        assert one_line(topic.title) and one_line(topic.starter_name)


def test_mail_makes_header_values_safe_itself(app, smtp_server):
    # A title written before the fix still holds CR/LF: the mail goes out, with a one-line subject.
    mailbox, _ = smtp_server
    with app.test_request_context():
        assert mail.send("ana@example.org", f"Re: {INJECTED}", "password_reset", link="http://portal.test/x")
    [message] = mailbox.messages
    assert one_line(message["Subject"]) and message["Subject"].startswith("Re: Invoice Bcc: everyone@")
    assert message["Bcc"] is None and "Injected body" not in message.get_content()


def test_mail_refuses_a_recipient_with_line_breaks(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        assert not mail.send("ana@example.org\r\nBcc: everyone@example.com", "Hello", "password_reset",
                             link="http://portal.test/x")
    assert mailbox.messages == []


# --- what the staff page says --------------------------------------------------------------------------

@pytest.fixture
def agent_client(app, client, make_staff, staff_auth):
    make_staff()
    assert staff_auth.login().status_code == 302
    return client


def open_request(app, **values):
    with app.test_request_context():
        req = create_request(RequestInput(note="Help", **values), notify_customer=False)
        db.session.commit()
        return req.id


def flash_after_reply(client, request_id) -> str:
    """The flashed messages shown after a public reply."""
    response = client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "public", "body": "Fixed."},
                           follow_redirects=True)
    assert response.status_code == 200
    return " ".join(re.findall(r'<div class="flash [^"]*"[^>]*>([^<]*)</div>', response.get_data(as_text=True)))


def test_staff_are_told_a_mail_is_on_its_way_only_when_one_was_queued(app, agent_client, smtp_server):
    mailbox, _ = smtp_server
    request_id = open_request(app, email="ana@example.org", title=INJECTED)
    flashed = flash_after_reply(agent_client, request_id)
    assert "on its way to ana@example.org" in flashed
    [message] = mailbox.messages  # a subject that once held CR/LF no longer stops the mail
    assert message["To"] == "ana@example.org"


def test_staff_are_not_told_the_customer_was_emailed_when_mail_is_not_set_up(app, agent_client):
    app.config["MAIL_SERVER"] = ""
    request_id = open_request(app, email="ana@example.org")
    flashed = flash_after_reply(agent_client, request_id)
    assert flashed and "emailed" not in flashed and "on its way" not in flashed
    assert "no email was sent" in flashed


def test_staff_are_not_told_a_spam_request_was_emailed(app, agent_client, smtp_server):
    mailbox, _ = smtp_server
    request_id = open_request(app, email="ana@example.org")
    with app.app_context():
        db.session.get(Request, request_id).status_id = STATUS_SPAM
        db.session.commit()
    flashed = flash_after_reply(agent_client, request_id)
    assert flashed and "emailed" not in flashed and "on its way" not in flashed and mailbox.messages == []


def test_a_reply_mail_that_fails_is_recorded_in_the_request_history(app, agent_client, caplog):
    app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2)  # nothing listens there
    request_id = open_request(app, email="ana@example.org")
    flash_after_reply(agent_client, request_id)
    with app.app_context():
        logs = [note.log for note in db.session.execute(db.select(Note).where(Note.request_id == request_id,
                                                                             Note.is_public.is_(False))).scalars()]
    assert any("ana@example.org" in line and "could not be sent" in line for line in logs), logs
    page = agent_client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "could not be sent" in page


@pytest.mark.own_database  # the mail thread works on a connection of its own
def test_a_failure_is_recorded_from_the_mail_thread_too(app, agent_client):
    app.config.update(MAIL_PORT=free_port(), MAIL_TIMEOUT=2, MAIL_ASYNC=True)
    request_id = open_request(app, email="ana@example.org")
    flash_after_reply(agent_client, request_id)
    deadline = time.monotonic() + 10
    found = False
    while not found and time.monotonic() < deadline:
        with app.app_context():
            found = db.session.scalar(db.select(db.func.count(Note.id)).where(
                Note.request_id == request_id, Note.log.contains("could not be sent"))) == 1
        time.sleep(0.05)
    assert found
