"""Mail to an address nobody has confirmed must not carry text the caller
chose. Anyone can type any address into the request form, so the auto-reply is a fixed text with the access
key and the link only; the staff-reply notice to that same unconfirmed address quotes no subject either."""
import re
import time

import pytest

from portal import spam
from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import workflow
from portal.requests.models import Request
from portal.requests.services import RequestInput, create_request

ATTACKER_TEXT = ("Claim", "prize", "cash", "Winner", "0800")


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def visible_text(message) -> str:
    """Subject and body with the links taken out (a random token could hold any letters)."""
    return re.sub(r"https?://\S+", "", f"{message['Subject']}\n{message.get_content()}")


def assert_quotes_nothing_of(message, words=ATTACKER_TEXT):
    text = visible_text(message)
    for word in words:
        assert word.lower() not in text.lower(), f"{word!r} reached an unconfirmed address:\n{text}"


def test_the_request_auto_reply_is_a_fixed_text_with_the_access_key_and_link(app, client, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        token = spam.form_token(now=time.time() - 30)
    response = client.post("/requests/new", data={
        "first_name": "Winner", "last_name": "call 0800 for cash", "email": "victim@example.com",
        "title": "Claim your prize at prize.example", "note": "Anything at all", "form_token": token})
    assert response.status_code == 302
    with app.app_context():
        key = db.session.execute(db.select(Request)).scalar_one().access_key
    [message] = mailbox.messages
    assert message["To"] == "victim@example.com"
    body = message.get_content()
    assert f"Your access key: {key}" in body and "http://portal.test/requests/link/" in body
    assert_quotes_nothing_of(message)


def test_the_staff_reply_notice_quotes_no_subject(app, smtp_server, make_staff):
    mailbox, _ = smtp_server
    with app.test_request_context():
        agent = db.session.get(Staff, make_staff(first_name="Sam"))
        req = create_request(RequestInput(note="x", email="victim@example.com", first_name="Winner",
                                          title="Claim your prize at prize.example, call 0800"),
                             notify_customer=False)
        db.session.flush()
        workflow.add_staff_note(req, agent, "We cannot help with that.", public=True)
        db.session.commit()
        key, number = req.access_key, req.id
    [message] = mailbox.messages
    assert message["To"] == "victim@example.com"
    body = message.get_content()
    assert "http://portal.test/requests/link/" in body and key in body
    assert "Sam" in body and str(number) in message["Subject"]
    assert_quotes_nothing_of(message)
