"""The flask CLI commands: demo-data, create-staff, settings, api-token."""
import pytest

from portal import settings
from portal.accounts.models import ApiToken, Staff
from portal.extensions import db
from portal.forums.models import Forum, Post
from portal.kb.models import Book, Page
from portal.requests.models import Category, Note, Request


def _counts():
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Staff, Category, Request, Note, Book, Page, Forum, Post)}


def test_demo_data_loads_a_realistic_help_desk_once(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "admin@portico.test / portico-demo" in result.output
    with app.app_context():
        first = _counts()
        assert first["Request"] >= 3 and first["Book"] >= 2 and first["Forum"] == 3 and first["Post"] >= 6
        assert settings.get("public_api") is True
        staff_notes = db.session.scalar(db.select(db.func.count(Note.id)).where(Note.staff_id.is_not(None),
                                                                                Note.is_public.is_(True)))
        assert staff_notes >= 3
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0 and "already present" in again.output
    with app.app_context():
        assert _counts() == first


def test_demo_data_if_empty_leaves_a_real_help_desk_alone(app, runner, make_staff):
    make_staff("boss@example.com", role="administrator")
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert "not loaded" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


@pytest.mark.real_password_hash
def test_create_staff_with_and_without_password_prompt(app, runner):
    result = runner.invoke(args=["create-staff", "Ops@Example.com", "--password", "long enough", "--role",
                                 "administrator"])
    assert result.exit_code == 0, result.output
    prompted = runner.invoke(args=["create-staff", "two@example.com"], input="secret-pass\nsecret-pass\n")
    assert prompted.exit_code == 0, prompted.output
    with app.app_context():
        ops = db.session.execute(db.select(Staff).where(Staff.email == "ops@example.com")).scalar_one()
        assert ops.role == "administrator" and ops.check_password("long enough")
        assert ops.password_hash.startswith("scrypt:")
        two = db.session.execute(db.select(Staff).where(Staff.email == "two@example.com")).scalar_one()
        assert two.role == "agent" and two.check_password("secret-pass")


def test_create_staff_refuses_duplicates_and_short_passwords(app, runner):
    assert runner.invoke(args=["create-staff", "a@example.com", "--password", "long enough"]).exit_code == 0
    duplicate = runner.invoke(args=["create-staff", "A@example.com", "--password", "long enough"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["create-staff", "b@example.com", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output


def test_settings_set_converts_and_validates(app, runner):
    assert runner.invoke(args=["settings", "set", "public_api", "on"]).exit_code == 0
    assert runner.invoke(args=["settings", "set", "closed_visible_days", "7"]).exit_code == 0
    bad = runner.invoke(args=["settings", "set", "closed_visible_days", "soon"])
    assert bad.exit_code != 0 and "whole number" in bad.output
    unknown = runner.invoke(args=["settings", "set", "nope", "1"])
    assert unknown.exit_code != 0 and "Unknown setting" in unknown.output
    with app.app_context():
        assert settings.get("public_api") is True
        assert settings.get("closed_visible_days") == 7
    listing = runner.invoke(args=["settings", "list"])
    assert "closed_visible_days" in listing.output and "7" in listing.output


def test_api_token_create_prints_the_secret_once_and_stores_a_hash(app, runner, make_staff):
    make_staff("robot@example.com")
    result = runner.invoke(args=["api-token", "create", "robot@example.com", "--name", "nightly export"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("ptk_") and len(secret) > 30
    with app.app_context():
        token = db.session.execute(db.select(ApiToken)).scalar_one()
        assert token.name == "nightly export"
        assert secret not in token.token_hash and len(token.token_hash) == 64
    missing = runner.invoke(args=["api-token", "create", "nobody@example.com", "--name", "x"])
    assert missing.exit_code != 0
