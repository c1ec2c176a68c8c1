"""The request form's email: the customer gets the link to their request through a real SMTP server,
and a mail server that is down never loses the request."""
import logging

import pytest

from portal.extensions import db
from portal.requests.models import Request
from tests.conftest import free_port
from tests.requests.test_views import KEY_URL, form_data


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_the_customer_is_emailed_the_link_to_their_request(app, client, smtp_server):
    mailbox, _ = smtp_server
    response = client.post("/requests/new", data=form_data(app))
    key = KEY_URL.search(response.headers["Location"]).group(1)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "ana@example.org"
    assert "We received your request" in message["Subject"]
    body = message.get_content()
    # The link is a signed, expiring one (tests/security/test_links_access.py), no longer the key's URL.
    assert "http://portal.test/requests/link/" in body and f"Your access key: {key}" in body
    assert f"/requests/{key}" not in body
    assert "Hello Ana Lopez" in body and '"Refund for order"' in body


def test_spam_gets_no_mail(app, client, smtp_server):
    mailbox, _ = smtp_server
    links = " ".join(f"http://cheap{n}.example" for n in range(5))
    assert client.post("/requests/new", data=form_data(app, note=links)).status_code == 302
    assert mailbox.messages == []


def test_an_invalid_form_sends_nothing(app, client, smtp_server):
    mailbox, _ = smtp_server
    assert client.post("/requests/new", data=form_data(app, note="")).status_code == 400
    assert mailbox.messages == []


@pytest.mark.parametrize("app_config", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(),
                                         "MAIL_TIMEOUT": 2}])
def test_smtp_down_keeps_the_request_and_logs_the_failure(app, client, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.mail"):
        response = client.post("/requests/new", data=form_data(app))
    assert response.status_code == 302
    key = KEY_URL.search(response.headers["Location"]).group(1)
    with app.app_context():
        assert db.session.execute(db.select(Request)).scalar_one().access_key == key
    assert any("mail to ana@example.org failed" in record.getMessage() for record in caplog.records)
    assert f"Your access key is {key}" in client.get(f"/requests/{key}").get_data(as_text=True)
