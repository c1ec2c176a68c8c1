"""API keys: the CLI, the staff pages, the service rules, and the migration that turned tokens into keys."""
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal.accounts.models import Staff
from portal.apikeys import services
from portal.apikeys.models import ApiKey
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from tests.conftest import make_app


def test_cli_prints_the_key_last_and_stores_a_hash(app, runner, make_staff, client):
    make_staff("robot@example.com")
    result = runner.invoke(args=["api-key", "create", "robot@example.com", "--name", "zapier", "--read-only",
                                 "--tags", "tickets.*, -*.delete", "--expires-days", "30", "--hourly", "100",
                                 "--daily", "1000"])
    assert result.exit_code == 0, result.output
    presented = result.stdout.strip().splitlines()[-1]
    number, secret = presented.split(":", 1)
    with app.app_context():
        key = db.session.get(ApiKey, int(number))
        assert key.name == "zapier" and key.read_only and key.tags == "tickets.*, -*.delete"
        assert (key.hourly_limit, key.daily_limit) == (100, 1000) and key.expires_at is not None
        assert secret not in key.token_hash and len(key.token_hash) == 64
    assert client.get("/api/v2/tickets", headers={"Authorization": f"key {presented}"}).status_code == 200
    bad = runner.invoke(args=["api-key", "create", "robot@example.com", "--name", "x", "--tags", "a/b"])
    assert bad.exit_code != 0 and "tags" in bad.output
    assert runner.invoke(args=["api-key", "create", "nobody@example.com", "--name", "x"]).exit_code != 0


def test_only_administrators_make_or_see_keys_of_others(ctx, make_staff):
    agent = db.session.get(Staff, make_staff("a@example.com"))
    other = db.session.get(Staff, make_staff("b@example.com"))
    admin = db.session.get(Staff, make_staff("root@example.com", role="administrator"))
    with pytest.raises(Forbidden):
        services.create_key(agent, other, "theirs")
    with pytest.raises(Forbidden):
        services.all_keys(agent)
    key, _ = services.create_key(admin, other, "for b")
    assert key.staff is other and services.all_keys(admin) == [key]
    with pytest.raises(NotFound):
        services.revoke_key(agent, key.id)
    assert services.revoke_key(admin, key.id).revoked


def test_create_checks_every_option(ctx, make_staff):
    staff = db.session.get(Staff, make_staff())
    with pytest.raises(ValidationFailed) as caught:
        services.create_key(staff, staff, " ", tags="bad tag!", expires_days="0", hourly="-1", daily="x")
    assert [field for field, _ in caught.value.errors] == ["name", "tags", "expires_days", "hourly_limit",
                                                           "daily_limit"]


def test_profile_page_makes_a_limited_key_shown_once(app, client, make_staff):
    make_staff("agent@example.com")
    client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    page = client.post("/staff/profile/tokens", data={"name": "reader", "read_only": "1", "tags": "tickets.*",
                                                      "hourly_limit": "5"})
    assert page.status_code == 200
    presented = re.search(rb"\d+:ptk_[\w-]+", page.data).group().decode()
    assert b"read-only" in page.data and b"5/hour" in page.data
    assert presented.encode() not in client.get("/staff/profile").data
    assert client.get("/api/v2/tickets", headers={"Authorization": f"key {presented}"}).status_code == 200
    assert client.get("/api/v2/people", headers={"Authorization": f"key {presented}"}).status_code == 403
    bad = client.post("/staff/profile/tokens", data={"name": "x", "daily_limit": "lots"})
    assert bad.status_code == 400 and b"whole number" in bad.data


def test_admin_page_makes_and_revokes_anyones_key(app, client, make_staff):
    make_staff("root@example.com", role="administrator")
    agent_id = make_staff("agent@example.com")
    client.post("/staff/login", data={"email": "root@example.com", "password": "correct horse"})
    assert client.get("/staff/admin/api-keys").status_code == 200
    made = client.post("/staff/admin/api-keys", data={"staff_id": str(agent_id), "name": "agent's robot"})
    presented = re.search(rb"\d+:ptk_[\w-]+", made.data).group().decode()
    me = client.get("/api/v2/me", headers={"Authorization": f"key {presented}"}).get_json()
    assert me["data"]["person_id"] == agent_id
    number = presented.split(":")[0]
    client.post(f"/staff/admin/api-keys/{number}/revoke", data={"confirm": "1"})
    assert client.get("/api/v2/me", headers={"Authorization": f"key {presented}"}).status_code == 401
    assert b"revoked" in client.get("/staff/admin/api-keys").data
    assert client.post("/staff/admin/api-keys", data={"staff_id": "999", "name": "x"}).status_code == 400


def test_agents_cannot_open_the_admin_page(client, make_staff):
    make_staff("agent@example.com")
    client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert client.get("/staff/admin/api-keys").status_code == 403


def test_migration_copies_helpspot_tokens_into_keys(tmp_path):
    """A token made before keys keeps its id and hash: Bearer works, and it is key N:SECRET too."""
    import hashlib

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    secret = "ptk_" + "x" * 43
    with app.app_context():
        upgrade(revision="sec_mail_0004")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO staff (id, email, first_name, last_name, password_hash, role, "
                                    "active, signature, created_at, session_generation) VALUES (1, "
                                    "'old@example.com', 'Old', 'Timer', '', 'agent', 1, '', '2024-01-01', 0)"))
            connection.execute(text("INSERT INTO api_token (id, staff_id, name, prefix, token_hash, created_at) "
                                    "VALUES (7, 1, 'legacy', :prefix, :hash, '2024-01-02')"),
                               {"prefix": secret[:10], "hash": hashlib.sha256(secret.encode()).hexdigest()})
        upgrade()
        key = db.session.get(ApiKey, 7)
        assert (key.name, key.tags, key.read_only, key.staff_id) == ("legacy", "*", False, 1)
        with app.test_request_context():
            assert services.authenticate(secret).id == 7
            assert services.authenticate(f"7:{secret}").id == 7
        db.session.remove()
        db.engine.dispose()
