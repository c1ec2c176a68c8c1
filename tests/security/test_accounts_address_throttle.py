"""After 30 failures from one address, correct logins used to be refused too.

Many people share one address (an office behind NAT). Failed logins from an address still stop guesses
there against accounts that never logged in from it, but an account that has logged in successfully from
that address before answers to its own per-account counter only, so one guesser cannot lock out everyone
behind the same address."""
import base64

import pytest

from portal import settings
from portal.accounts import services
from portal.extensions import db
from tests.accounts.helpers import confirmed_customer

OFFICE = {"REMOTE_ADDR": "203.0.113.10"}
ELSEWHERE = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture(autouse=True)
def small_address_limit(monkeypatch):
    monkeypatch.setattr(services, "MAX_IP_FAILURES", 4)  # each guess costs an scrypt check: keep it quick


@pytest.fixture
def people(app, make_staff):
    make_staff("agent@example.com", "correct horse")
    make_staff("visitor@example.com", "correct horse")
    confirmed_customer(app, "pat@example.com", "battery staple")
    confirmed_customer(app, "sam@example.com", "battery staple")
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()


def _basic(client, email, password, environ):
    auth = base64.b64encode(f"{email}:{password}".encode()).decode()
    return client.get("/api/index.php", query_string={"method": "private.version", "output": "json"},
                      headers={"Authorization": f"Basic {auth}"}, environ_base=environ)


def _customer_requests(client, email, password, environ):
    return client.get("/api/index.php", query_string={"method": "customer.getRequests", "output": "json",
                                                      "sEmail": email, "sPassword": password}, environ_base=environ)


def _flood(client, environ):
    """MAX_IP_FAILURES wrong guesses from one address, each at a different made-up account."""
    for n in range(services.MAX_IP_FAILURES):
        _basic(client, f"guess{n}@example.com", "wrong", environ)


def _error(response):
    return response.status_code, response.get_json()["error"][0]["id"] if response.status_code != 200 else None


def test_staff_who_logged_in_from_the_address_before_are_not_locked_out(app, people):
    client = app.test_client()
    assert _basic(client, "agent@example.com", "correct horse", OFFICE).status_code == 200  # a usual day
    _flood(client, OFFICE)
    # The agent works from this office: the flood does not lock them out...
    assert _basic(client, "agent@example.com", "correct horse", OFFICE).status_code == 200
    # ...but guesses at accounts never used from here are still refused, right or wrong, with error 3.
    assert _error(_basic(client, "visitor@example.com", "correct horse", OFFICE)) == (429, 3)
    assert _error(_basic(client, "visitor@example.com", "wrong", OFFICE)) == (429, 3)
    # And the visitor can log in from anywhere else.
    assert _basic(client, "visitor@example.com", "correct horse", ELSEWHERE).status_code == 200


def test_customers_who_logged_in_from_the_address_before_are_not_locked_out(app, people):
    client = app.test_client()
    assert _customer_requests(client, "pat@example.com", "battery staple", OFFICE).status_code == 200
    _flood(client, OFFICE)
    assert _customer_requests(client, "pat@example.com", "battery staple", OFFICE).status_code == 200
    assert _error(_customer_requests(client, "sam@example.com", "battery staple", OFFICE)) == (429, 3)


def test_a_portal_login_counts_as_having_logged_in_from_the_address(app, people):
    client = app.test_client()
    assert client.post("/account/login", data={"email": "pat@example.com", "password": "battery staple"},
                       environ_base=OFFICE).status_code == 302
    _flood(app.test_client(), OFFICE)
    assert _customer_requests(app.test_client(), "pat@example.com", "battery staple", OFFICE).status_code == 200


def test_a_known_account_still_answers_to_its_own_counter(app, people):
    client = app.test_client()
    assert _basic(client, "agent@example.com", "correct horse", OFFICE).status_code == 200
    for _ in range(services.MAX_FAILURES):
        _basic(client, "agent@example.com", "wrong", OFFICE)
    assert _error(_basic(client, "agent@example.com", "correct horse", OFFICE)) == (429, 3)


def test_a_failed_or_unconfirmed_login_does_not_make_an_address_known(app, people):
    from tests.accounts.helpers import unconfirmed_customer

    unconfirmed_customer(app, "legacy@example.com", "battery staple")
    client = app.test_client()
    _basic(client, "visitor@example.com", "wrong", OFFICE)
    _customer_requests(client, "legacy@example.com", "battery staple", OFFICE)
    _flood(client, OFFICE)
    assert _error(_basic(client, "visitor@example.com", "correct horse", OFFICE)) == (429, 3)
