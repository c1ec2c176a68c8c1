"""A public reply emails the customer a link, through a real SMTP server; a private note does not."""
import pytest


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_public_reply_mails_the_customer_a_link(app, login, make_request, smtp_server):
    from portal.extensions import db
    from portal.requests.models import Request

    mailbox, _ = smtp_server
    request_id = make_request(email="buyer@example.com", title="Broken hinge")
    client = login("agent")
    client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "private", "body": "internal"})
    assert mailbox.messages == []
    client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "public", "body": "Fixed it"})
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    with app.app_context():
        key = db.session.get(Request, request_id).access_key
    assert message["To"] == "buyer@example.com"
    assert "Broken hinge" in message["Subject"]
    # A signed, expiring reply link (tests/security/test_links_access.py), no longer the key's URL.
    assert "http://portal.test/requests/link/" in message.get_content()
    assert f"/requests/{key}" not in message.get_content() and key in message.get_content()
