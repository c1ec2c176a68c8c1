"""/account/forgot and register once had no rate limit (30 reset mails to one victim in 3.5 s). Link mails are limited per client address (a 429) and per email address (silently: the page must
not tell, and many addresses must not add up to a flood of one victim's mailbox)."""
from pathlib import Path

import pytest

from portal.security import LIMIT_DEFAULTS
from tests.accounts.helpers import human_fields, outbox  # noqa: F401

VICTIM = "victim@example.com"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ACCOUNT_MAIL": "3 per hour"}


@pytest.fixture
def victim(app):
    # Made by staff (setPasswordByEmail), so no link mail has been counted for the address yet.
    from portal.accounts.services import set_customer_password
    from portal.extensions import db

    with app.app_context():
        set_customer_password(VICTIM, "victims password")
        db.session.commit()


def _forgot(client, app, ip):
    return client.post("/account/forgot", data={"email": VICTIM}, environ_base={"REMOTE_ADDR": ip})


def _register(client, app, ip):
    return client.post("/account/register", data={"email": VICTIM, **human_fields(app)},
                       environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("ask", [_forgot, _register])
def test_one_address_gets_a_429_after_the_limit(app, victim, outbox, ask):
    client = app.test_client()
    codes = [ask(client, app, "203.0.113.5").status_code for _ in range(30)]
    assert codes[:3] == [302] * 3 and set(codes[3:]) == {429}, codes
    assert len(outbox) == 3


@pytest.mark.parametrize("ask", [_forgot, _register])
def test_many_addresses_cannot_flood_one_mailbox(app, victim, outbox, ask):
    client = app.test_client()
    answers = [ask(client, app, f"198.51.100.{n}") for n in range(1, 31)]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(302, "/account/login")}  # alike
    assert len(outbox) == 3, [mail.subject for mail in outbox]


def test_register_and_forgot_share_one_mailbox_budget(app, victim, outbox):
    client = app.test_client()
    for n in range(10):
        _forgot(client, app, f"192.0.2.{n}")
        _register(client, app, f"192.0.2.{100 + n}")
    assert len(outbox) == 3


def test_the_limit_is_a_documented_setting():
    assert "RATELIMIT_ACCOUNT_MAIL" in LIMIT_DEFAULTS
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "`RATELIMIT_ACCOUNT_MAIL`" in readme
