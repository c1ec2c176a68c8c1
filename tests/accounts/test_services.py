"""Accounts: staff and customer logins, throttling, password resets, API tokens."""
from datetime import timedelta

import pytest

from portal.accounts import services
from portal.accounts.models import ApiToken, Customer, PasswordReset, Staff
from portal.dates import utcnow
from portal.errors import Conflict, NotFound, ValidationFailed
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


def test_customer_registration_claims_a_passwordless_login(ctx):
    db.session.add(Customer(email="tim@example.com"))
    db.session.commit()
    customer = services.register_customer("Tim@Example.com", "long enough", "long enough")
    assert customer.has_password and customer.password_hash.startswith("scrypt:")
    with pytest.raises(Conflict):
        services.register_customer("tim@example.com", "another one", "another one")
    assert services.authenticate_customer("tim@example.com", "long enough") is customer
    assert services.authenticate_customer("tim@example.com", "wrong") is None


def test_registration_rules(ctx):
    with pytest.raises(ValidationFailed) as caught:
        services.register_customer("nope", "short", "short")
    assert [f for f, _ in caught.value.errors] == ["email", "password"]
    with pytest.raises(ValidationFailed) as mismatch:
        services.register_customer("a@example.com", "long enough", "long enougH")
    assert mismatch.value.errors == [("confirm", "The two passwords differ.")]


def test_password_reset_is_single_use_and_expires(ctx):
    services.register_customer("tim@example.com", "long enough")
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
    with pytest.raises(ValidationFailed):
        services.set_customer_password("bad", "x")
