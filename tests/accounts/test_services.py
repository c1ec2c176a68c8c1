"""Accounts: staff and customer logins, throttling, password resets, API tokens."""
from datetime import timedelta

import pytest

from portal.accounts import services
from portal.accounts.models import ApiToken, Customer, PasswordReset, Staff
from portal.dates import utcnow
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db


def test_staff_login_and_per_account_throttle(ctx, make_staff):
    make_staff("agent@example.com")
    assert services.authenticate_staff("AGENT@example.com", "correct horse").email == "agent@example.com"
    assert services.authenticate_staff("agent@example.com", "wrong") is None
    for _ in range(services.MAX_FAILURES - 1):
        services.authenticate_staff("agent@example.com", "wrong")
    db.session.commit()
    with pytest.raises(services.TooManyAttempts):
        services.authenticate_staff("agent@example.com", "correct horse")


def test_inactive_staff_cannot_log_in(ctx, make_staff):
    staff = db.session.get(Staff, make_staff("gone@example.com"))
    staff.active = False
    db.session.commit()
    assert services.authenticate_staff("gone@example.com", "correct horse") is None


def test_registration_grants_nothing_until_the_mailed_link_is_used(ctx):
    # Registering used to set the password at once (and answered Conflict for a taken email).
    db.session.add(Customer(email="tim@example.com"))  # the row a request made
    db.session.commit()
    customer, token = services.start_registration("Tim@Example.com")
    assert customer.email == "tim@example.com" and not customer.has_password and not customer.email_confirmed
    assert token not in db.session.execute(db.select(PasswordReset.token_hash)).scalar_one()
    assert services.password_link_customer(token) is customer
    services.finish_password_reset(token, "long enough", "long enough")
    assert customer.has_password and customer.password_hash.startswith("scrypt:") and customer.email_confirmed
    assert services.authenticate_customer("tim@example.com", "long enough") is customer
    assert services.authenticate_customer("tim@example.com", "wrong") is None
    # Registering again is no error and changes nothing until its link is used.
    again, _ = services.start_registration("tim@example.com")
    assert again is customer and customer.check_password("long enough")


def test_registration_needs_a_valid_email(ctx):
    for email in ("nope", "", "   "):
        with pytest.raises(ValidationFailed) as caught:
            services.start_registration(email)
        assert [f for f, _ in caught.value.errors] == ["email"]
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 0


def test_a_link_checks_the_password_rules_and_stays_usable(ctx):
    _, token = services.start_registration("a@example.com")
    with pytest.raises(ValidationFailed) as short:
        services.finish_password_reset(token, "short", "short")
    assert [f for f, _ in short.value.errors] == ["password"]
    with pytest.raises(ValidationFailed) as mismatch:
        services.finish_password_reset(token, "long enough", "long enougH")
    assert mismatch.value.errors == [("confirm", "The two passwords differ.")]
    assert services.finish_password_reset(token, "long enough", "long enough").email == "a@example.com"


def test_an_unconfirmed_password_is_refused_with_its_own_error(ctx):
    customer = Customer(email="old@example.com")
    customer.set_password("from before")
    db.session.add(customer)
    db.session.commit()
    with pytest.raises(services.EmailNotConfirmed) as caught:
        services.authenticate_customer("old@example.com", "from before")
    assert caught.value.customer is customer
    assert services.authenticate_customer("old@example.com", "a wrong one") is None  # a wrong one is just wrong


def test_password_reset_is_single_use_and_expires(ctx):
    services.set_customer_password("tim@example.com", "long enough")
    assert services.start_password_reset("nobody@example.com") is None
    customer, token = services.start_password_reset("tim@example.com")
    stored = db.session.execute(db.select(PasswordReset)).scalar_one()
    assert token not in stored.token_hash
    services.finish_password_reset(token, "brand new pass", "brand new pass")
    assert customer.check_password("brand new pass")
    with pytest.raises(NotFound):
        services.finish_password_reset(token, "again again", "again again")
    _, expired = services.start_password_reset("tim@example.com")
    db.session.execute(db.update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1))
                       .where(PasswordReset.used_at.is_(None)))
    with pytest.raises(NotFound):
        services.finish_password_reset(expired, "brand new pass", "brand new pass")


def test_every_password_change_ends_sessions_and_outstanding_links(ctx):
    customer = services.set_customer_password("tim@example.com", "long enough")
    generation = customer.session_generation
    _, first = services.start_password_reset("tim@example.com")
    _, second = services.start_password_reset("tim@example.com")
    services.change_customer_password(customer, "long enough", "changed pass", "changed pass")
    assert customer.session_generation == generation + 1
    assert services.password_link_customer(first) is None and services.password_link_customer(second) is None
    _, third = services.start_password_reset("tim@example.com")
    services.set_customer_password("tim@example.com", "set by staff")
    assert customer.session_generation == generation + 2 and services.password_link_customer(third) is None


def test_staff_login_checks_the_password_of_a_deactivated_account_too(ctx, make_staff, monkeypatch):
    staff = db.session.get(Staff, make_staff("gone@example.com"))
    staff.active = False
    db.session.commit()
    checks = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    assert services.authenticate_staff("gone@example.com", "correct horse") is None
    assert checks == [staff.password_hash]


def test_api_tokens_are_hashed_marked_used_and_revocable(ctx, make_staff):
    staff = db.session.get(Staff, make_staff())
    token, secret = services.create_api_token(staff, "CI export")
    db.session.commit()
    assert secret not in (token.token_hash, token.prefix) and token.prefix == secret[:10]
    assert services.staff_for_token(secret) is staff
    assert token.last_used_at is not None
    assert services.staff_for_token(secret + "x") is None
    other = db.session.get(Staff, make_staff("other@example.com"))
    with pytest.raises(NotFound):
        services.revoke_api_token(other, token.id)
    services.revoke_api_token(staff, token.id)
    assert services.staff_for_token(secret) is None
    with pytest.raises(ValidationFailed):
        services.create_api_token(staff, " ")
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1


def test_set_customer_password_by_email(ctx):
    customer = services.set_customer_password("New@Example.com", "pw from api")
    assert customer.email == "new@example.com" and customer.check_password("pw from api")
    assert customer.email_confirmed  # a staff action (see the service)
    with pytest.raises(ValidationFailed):
        services.set_customer_password("bad", "x")
