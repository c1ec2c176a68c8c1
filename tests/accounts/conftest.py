import time

import pytest

from portal import spam
from tests.accounts.helpers import confirmed_customer, outbox  # noqa: F401


@pytest.fixture
def human(app):
    """The bot-guard fields of a form loaded a few seconds ago by a person."""
    def fields() -> dict:
        with app.test_request_context():
            return {"form_token": spam.form_token(now=time.time() - 10), spam.HONEYPOT_FIELD: ""}
    return fields


@pytest.fixture
def customer(app):
    """A customer who confirmed the email through the mailed link and chose a password: (email, password)."""
    confirmed_customer(app, "kim@example.com", "kims password")
    return "kim@example.com", "kims password"


@pytest.fixture
def logged_in(client, customer):
    email, password = customer
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return customer
