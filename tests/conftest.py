"""Shared fixtures: an app on a fresh database (SQLite per test, or PostgreSQL when
PORTICO_TEST_DATABASE_URL is set), a client, a CLI runner, staff/customer helpers and a real SMTP server."""
import os
import secrets
import socket
import tempfile
from contextlib import contextmanager

import pytest
from flask import has_app_context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

_INSTANCE = tempfile.mkdtemp(prefix="portico-test-instance-")
os.environ["INSTANCE_PATH"] = _INSTANCE  # never write a secret key into the checkout

from portal import create_app, host_counters  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.requests.models import DEFAULT_STATUSES, Status  # noqa: E402

POSTGRES_URL = os.environ.get("PORTICO_TEST_DATABASE_URL")
_pg_schema_ready = False


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (a fresh file per test)'}"


@contextmanager
def fresh_postgres_database(prefix: str = "portico_test"):
    """A database of its own on the PostgreSQL test server, dropped afterwards (even when the test fails),
    for tests that need an empty database rather than the shared test schema."""
    server = make_url(POSTGRES_URL)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_reference_data() -> None:
    for row in DEFAULT_STATUSES:
        db.session.add(Status(**row))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('status', 'id'), 7)"))
        db.session.commit()


def _reset_postgres() -> None:
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.drop_all()
        db.create_all()
        _pg_schema_ready = True
    else:
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": POSTGRES_URL or f"sqlite:///{tmp_path / 'portico.db'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "MAIL_ASYNC": False,  # tests read the mailbox right after the commit; test_mail covers async
        "PUBLIC_URL": "http://portal.test",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    if not config.get("REDIS_URL"):
        # Limits and used form tokens are counted in a file of each test's own: the default's home, the
        # instance folder, is shared by the whole session.
        config.setdefault("RATELIMIT_STORAGE_URI", host_counters.uri_for(tmp_path / "ratelimits.sqlite"))
    return create_app(config)


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(tmp_path, app_config):
    app = make_app(tmp_path, **app_config)
    with app.app_context():
        if POSTGRES_URL:
            _reset_postgres()
        else:
            db.create_all()
        seed_reference_data()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services directly."""
    with app.test_request_context():
        yield app


@pytest.fixture
def make_staff(app):
    from portal.accounts.services import create_staff

    def make(email="agent@example.com", password="correct horse", role="agent", **names):
        # Inside a test that already holds a context (ctx), use its session: a second session
        # would wait on the first one's write lock under SQLite.
        if has_app_context():
            staff = create_staff(email, password, role=role, **names)
            db.session.commit()
            return staff.id
        with app.app_context():
            staff = create_staff(email, password, role=role, **names)
            db.session.commit()
            return staff.id
    return make


class StaffAuth:
    def __init__(self, client):
        self.client = client

    def login(self, email="agent@example.com", password="correct horse"):
        return self.client.post("/staff/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/staff/logout")


@pytest.fixture
def staff_auth(client):
    return StaffAuth(client)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """Messages received by the test SMTP server."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd). Yields (mailbox, port)."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mail_app_config(smtp_server):
    _, port = smtp_server
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
