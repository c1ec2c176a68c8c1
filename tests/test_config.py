"""Configuration defaults and environment overrides."""
import os

import pytest

from portal import config, create_app


def test_defaults_are_safe(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR", "SEARCH_INDEX_DIR", "REDIS_URL", "MAIL_SERVER",
                 "HOST", "PORT", "PUBLIC_URL", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    values = config.from_environment(str(tmp_path))
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portico.db'}"
    assert values["UPLOAD_DIR"] == str(tmp_path / "uploads")
    assert values["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert values["REDIS_URL"] is None
    assert values["HOST"] == "127.0.0.1" and values["PORT"] == 5000
    assert values["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert values["MAIL_SERVER"] == ""
    assert values["SESSION_COOKIE_SECURE"] is False
    assert len(values["SECRET_KEY"]) == 64


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config.secret_key(str(tmp_path))
    assert first == config.secret_key(str(tmp_path))
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/portico")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("MAIL_USE_TLS", "yes")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    values = config.from_environment(str(tmp_path))
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/portico"
    assert values["SECRET_KEY"] == "from-env"
    assert values["PORT"] == 8080 and values["PUBLIC_URL"] == "http://127.0.0.1:8080"
    assert values["MAIL_USE_TLS"] is True and values["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.own_database  # the pragmas of the app's own connections
def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(app):
    from sqlalchemy import text

    from portal.extensions import db
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_cookies_are_httponly_and_lax(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "outbox_oldest_pending_seconds": None}


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert os.path.exists(tmp_path) and not os.path.exists(tmp_path / "missing")


def test_trusted_proxies_give_the_real_client_address_and_scheme(tmp_path, monkeypatch):
    from flask import request

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})

    @app.get("/_whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                                          "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == "203.0.113.9 https"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/q.db",
                        "TRUSTED_PROXIES": 0})

    @plain.get("/_whoami")
    def whoami_plain():
        return request.remote_addr

    assert plain.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"}).data == b"127.0.0.1"
