import time

import pytest

from portal import spam
from portal.accounts.services import register_customer
from portal.extensions import db


@pytest.fixture
def human(app):
    """The bot-guard fields of a form loaded a few seconds ago by a person."""
    def fields() -> dict:
        with app.test_request_context():
            return {"form_token": spam.form_token(now=time.time() - 10), spam.HONEYPOT_FIELD: ""}
    return fields


@pytest.fixture
def customer(app):
    """A customer with a password: (email, password)."""
    with app.app_context():
        register_customer("kim@example.com", "kims password")
        db.session.commit()
    return "kim@example.com", "kims password"


@pytest.fixture
def logged_in(client, customer):
    email, password = customer
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return customer
