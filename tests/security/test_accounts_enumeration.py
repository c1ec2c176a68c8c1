"""Register once answered 409 for known emails, a password with surrounding spaces took twice as long
on a real account, and deactivated staff skipped the password check. Every login path answers
alike and runs the same number of scrypt checks for known, unknown, passwordless, unconfirmed and
deactivated accounts (counted, not timed). The register page is covered in test_accounts_registration."""
import base64
import re

import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.accounts.services import ensure_customer
from portal.extensions import db
from tests.accounts.helpers import confirmed_customer, unconfirmed_customer

PASSWORDS = ["wrong password", "  wrong password  ", " wrong", "wrong "]


@pytest.fixture
def scrypt_checks(monkeypatch):
    """Counts every password-hash check, wherever the accounts code makes it (account rows and decoy)."""
    import werkzeug.security

    from portal.accounts import models, services

    checked = []
    real = werkzeug.security.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    monkeypatch.setattr(services, "check_password_hash", spy)
    return checked


@pytest.fixture
def accounts(app, make_staff):
    make_staff("agent@example.com", "correct horse")
    gone = make_staff("gone@example.com", "correct horse")
    with app.app_context():
        db.session.get(Staff, gone).active = False
        ensure_customer("walkin@example.com")  # the passwordless row a request makes
        settings.set_value("public_api", True)
        db.session.commit()
    confirmed_customer(app, "pat@example.com", "battery staple")
    unconfirmed_customer(app, "legacy@example.com", "battery staple")


CUSTOMERS = ["pat@example.com", "ghost@example.com", "walkin@example.com", "legacy@example.com"]
STAFF = ["agent@example.com", "ghost@example.com", "gone@example.com"]


def _without(text, email):
    """A page without the typed email (echoed in the form and the "forgot" link) or the CSRF token."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    return text.replace(email, "EMAIL").replace(email.replace("@", "%40"), "EMAIL")


def _cost_and_answer(scrypt_checks, call):
    scrypt_checks.clear()
    response = call()
    return len(scrypt_checks), response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("password", PASSWORDS)
def test_customer_logins_cost_and_answer_alike(app, accounts, scrypt_checks, password):
    def login(email):
        return lambda: app.test_client().post("/account/login", data={"email": email, "password": password})

    results = {email: _cost_and_answer(scrypt_checks, login(email)) for email in CUSTOMERS}
    costs = {email: result[0] for email, result in results.items()}
    assert len(set(costs.values())) == 1 and costs["ghost@example.com"] >= 1, costs
    answers = {email: (code, _without(html, email)) for email, (_, code, html) in results.items()}
    assert len(set(answers.values())) == 1, {email: code for email, (code, _) in answers.items()}


@pytest.mark.parametrize("password", PASSWORDS)
def test_customer_get_requests_costs_and_answers_alike(app, accounts, scrypt_checks, password):
    def call(email):
        return lambda: app.test_client().get("/api/index.php", query_string={
            "method": "customer.getRequests", "sEmail": email, "sPassword": password})

    results = {email: _cost_and_answer(scrypt_checks, call(email)) for email in CUSTOMERS}
    assert len({cost for cost, _, _ in results.values()}) == 1, results
    assert len({(code, body) for _, code, body in results.values()}) == 1


@pytest.mark.parametrize("password", PASSWORDS + ["correct horse"])
def test_staff_logins_cost_and_answer_alike(app, accounts, scrypt_checks, password):
    # "correct horse" is the deactivated account's real password: it must not answer differently, nor
    # faster, than a wrong guess at an unknown email.
    emails = STAFF if password != "correct horse" else ["gone@example.com", "ghost@example.com"]

    def login(email):
        return lambda: app.test_client().post("/staff/login", data={"email": email, "password": password})

    results = {email: _cost_and_answer(scrypt_checks, login(email)) for email in emails}
    assert len({cost for cost, _, _ in results.values()}) == 1, {e: r[0] for e, r in results.items()}
    assert len({(code, _without(html, email)) for email, (_, code, html) in results.items()}) == 1


@pytest.mark.parametrize("password", ["wrong password", "correct horse"])
def test_api_basic_logins_cost_and_answer_alike(app, accounts, scrypt_checks, password):
    emails = STAFF if password != "correct horse" else ["gone@example.com", "ghost@example.com"]

    def call(email):
        auth = base64.b64encode(f"{email}:{password}".encode()).decode()
        return lambda: app.test_client().get("/api/index.php", query_string={"method": "private.version"},
                                             headers={"Authorization": f"Basic {auth}"})

    results = {email: _cost_and_answer(scrypt_checks, call(email)) for email in emails}
    assert len({cost for cost, _, _ in results.values()}) == 1, {e: r[0] for e, r in results.items()}
    assert len({(code, body) for _, code, body in results.values()}) == 1


def test_a_wrong_guess_costs_exactly_one_scrypt_check_per_form_of_the_password(app, accounts, scrypt_checks):
    # Trimmed passwords (set through HelpSpot's API) still match, at the same cost for every account.
    from portal.accounts import services

    with app.test_request_context():
        for email in CUSTOMERS:
            scrypt_checks.clear()
            assert services.authenticate_customer(email, "  wrong  ") is None
            assert len(scrypt_checks) == 2, email
            scrypt_checks.clear()
            assert services.authenticate_customer(email, "wrong") is None
            assert len(scrypt_checks) == 1, email
        db.session.rollback()
