"""Helpers for the account tests here and in tests/security/test_accounts_*.py: the mail the app sends,
the links in it, a person's bot-guard fields, and customers in each state an account can be in."""
import re
import time
from dataclasses import dataclass

import pytest
from flask import current_app

from portal import spam
from portal.extensions import db


@dataclass
class Mail:
    to: str
    subject: str
    body: str

    def link(self) -> str:
        """The path of the portal link in the mail (PUBLIC_URL is http://portal.test in tests)."""
        return re.search(r"http://portal\.test(/account/\S+)", self.body).group(1)


@pytest.fixture
def outbox(monkeypatch):
    """Every mail the app sends, rendered, caught where it would be handed to SMTP (MAIL_ASYNC is off)."""
    from portal import mail

    sent: list[Mail] = []

    def capture(to, title, template, **context):
        context.setdefault("public_url", current_app.config["PUBLIC_URL"])
        body = current_app.jinja_env.get_template(f"email/{template}.txt").render(**context)
        sent.append(Mail(to, title, body))
        return True

    monkeypatch.setattr(mail, "send", capture)
    return sent


def human_fields(app) -> dict:
    """The bot-guard fields of a form loaded a few seconds ago by a person."""
    with app.test_request_context():
        return {"form_token": spam.form_token(now=time.time() - 10), spam.HONEYPOT_FIELD: ""}


def confirmed_customer(app, email: str, password: str) -> None:
    """A customer who proved owning the email (through a mailed link) and chose ``password``."""
    from portal.accounts import services

    with app.test_request_context():
        _, token = services.start_registration(email)
        services.finish_password_reset(token, password, password)
        db.session.commit()


def unconfirmed_customer(app, email: str, password: str) -> None:
    """A customer row with a password but no proof of owning the email: what registering made before
    registration asked for a mailed link (such rows stay unconfirmed after the upgrade, see migrations/versions/sec_accounts_0004.py)."""
    from portal.accounts.models import Customer

    with app.app_context():
        customer = db.session.execute(db.select(Customer).where(Customer.email == email)).scalar_one_or_none()
        if customer is None:  # else the row a request made
            customer = Customer(email=email)
            db.session.add(customer)
        customer.set_password(password)
        db.session.commit()
