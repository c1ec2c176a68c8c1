"""Shared fixtures: an app on the test database (SQLite, or PostgreSQL when PORTICO_TEST_DATABASE_URL is set),
a client, a CLI runner, staff/customer helpers and a real SMTP server.

The schema is created once per test session. Each test runs inside one transaction on one connection,
rolled back at its end (SQLAlchemy's "joining a session into an external transaction"): the app's
``db.session`` and every ``Session(db.engine)`` the app opens work on that connection, so a
``commit()`` only releases a savepoint. Tests marked ``own_database`` (other processes, threads or
connections, migrations) get a database of their own instead, as every test did before."""
import os
import secrets
import socket
import tempfile
from contextlib import contextmanager

import pytest
from flask import has_app_context
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

_INSTANCE = tempfile.mkdtemp(prefix="portico-test-instance-")
os.environ["INSTANCE_PATH"] = _INSTANCE  # never write a secret key into the checkout

from portal import create_app, database, host_counters, i18n, models  # noqa: E402,F401  (models: the schema)
from portal.extensions import db  # noqa: E402
from portal.requests.models import DEFAULT_STATUSES, Status  # noqa: E402

POSTGRES_URL = os.environ.get("PORTICO_TEST_DATABASE_URL")
OWN_DATABASE = "own_database"
# Cheap hashes: scrypt costs about 50 ms a password and the suite sets and checks thousands. Tests of the
# hash itself are marked ``real_password_hash`` and run with the default (scrypt).
TEST_PASSWORD_HASH = "pbkdf2:sha256:1"
_joined = None  # the running test's connection (a SharedDatabase's), which apps made during the test join


def pytest_configure(config):
    config.addinivalue_line("markers", f"{OWN_DATABASE}: the test gets a database of its own (it uses other "
                                       "processes, threads or connections), not the rolled-back transaction")
    config.addinivalue_line("markers", "real_password_hash: passwords are hashed with the default method")
    i18n.compile_catalogues()  # the interface's translations, as `make test` builds them (portal.i18n)


# Whole folders of tests that run servers, subprocesses or threads against the database, or break it.
OWN_DATABASE_FOLDERS = ("tests/faults/", "tests/load/", "tests/browser/")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(folder in str(item.path).replace(os.sep, "/") for folder in OWN_DATABASE_FOLDERS):
            item.add_marker(OWN_DATABASE)


def pytest_report_header(config):
    where = "PostgreSQL " + POSTGRES_URL if POSTGRES_URL else "SQLite"
    return f"database: {where}, one schema per session, a rolled-back transaction per test"


# ---------------------------------------------------------------------------------------------- databases

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


def _sqlite_driver_leaves_transactions_to_sqlalchemy(dbapi_connection, _record):
    # pysqlite emits BEGIN only before writes and mishandles SAVEPOINT inside its own transactions: turn its
    # transaction handling off and let SQLAlchemy's "begin" event emit BEGIN (SQLAlchemy's documented
    # workaround for SAVEPOINT on pysqlite).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection):
    connection.exec_driver_sql("BEGIN")


class SharedDatabase:
    """The session's test database: the schema and the reference rows are created once; each test then runs
    in an outer transaction on ``connection`` that :meth:`rollback` undoes."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url, poolclass=NullPool)
        self.connection = self.transaction = None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_driver_leaves_transactions_to_sqlalchemy)
            event.listen(self.engine, "begin", _sqlite_begin)
        database.init_app(None)  # WAL, busy timeout and foreign keys, as on the app's own connections
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                # Every table, not only today's: a table an older schema had may still point at one of them.
                tables = connection.execute(text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")).scalars()
                if names := ", ".join(tables):
                    connection.execute(text(f"DROP TABLE {names} CASCADE"))
            db.metadata.create_all(connection)
            connection.execute(Status.__table__.insert(), DEFAULT_STATUSES)
        self._restore_sequences = self._sequence_reset()

    def _sequence_reset(self) -> str | None:
        """PostgreSQL's sequences ignore rollbacks: the statement that puts them back as they were now, so
        ids in every test start where they would in a fresh database."""
        if self.engine.dialect.name != "postgresql":
            return None  # SQLite's next id comes from the rows (and sqlite_sequence), both rolled back
        with self.engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('status', 'id'), 7)"))
            rows = connection.execute(text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value, start_value "
                "FROM pg_sequences WHERE schemaname = current_schema()")).all()
        calls = [f"setval('{name}', {value}, true)" if value is not None else f"setval('{name}', {start}, false)"
                 for name, value, start in rows]
        return f"SELECT {', '.join(calls)}" if calls else None

    def begin(self):
        """The connection for a test, inside its outer transaction."""
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        return self.connection

    def rollback(self) -> None:
        """Undo everything the test wrote (sessions' commits only released savepoints)."""
        connection = self.connection
        try:
            if connection.in_transaction():
                connection.rollback()
            if self._restore_sequences:
                connection.exec_driver_sql(self._restore_sequences)
                connection.commit()
        except Exception:
            connection.invalidate()  # a fresh connection for the next test rather than a broken one
            raise

    def reset_postgres(self) -> None:
        """Back to the reference rows after a test that committed for real (``own_database``). Such a test
        may also have ended every other connection to the database (faults/): the next test opens a new one."""
        if self.connection is not None:
            self.connection.invalidate()
            self.connection = None
        with self.engine.begin() as connection:
            _truncate(connection)
            connection.execute(Status.__table__.insert(), DEFAULT_STATUSES)
            connection.execute(text("SELECT setval(pg_get_serial_sequence('status', 'id'), 7)"))

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.engine.dispose()


def _truncate(connection) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def shared_database(tmp_path_factory):
    url = POSTGRES_URL or f"sqlite:///{tmp_path_factory.mktemp('database') / 'portico.db'}"
    shared = SharedDatabase(url)
    yield shared
    shared.close()


# ---------------------------------------------------------------------------------------------- apps

def make_app(tmp_path, **overrides):
    """An app for a test. Made while a test's transaction is open (the ``app`` fixture), and not given a
    database of its own, it works in that transaction: another worker on the same database."""
    joined = _joined if "SQLALCHEMY_DATABASE_URI" not in overrides else None
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
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    }
    if joined is not None:
        config["SQLALCHEMY_DATABASE_URI"] = joined.engine.url.render_as_string(hide_password=False)
    config.update(overrides)
    if not config.get("REDIS_URL"):
        # Limits and used form tokens are counted in a file of each test's own: the default's home, the
        # instance folder, is shared by the whole session.
        config.setdefault("RATELIMIT_STORAGE_URI", host_counters.uri_for(tmp_path / "ratelimits.sqlite"))
    app = create_app(config)
    if joined is not None:
        with app.app_context():
            db.engines[None].dispose()  # never connected: Flask-SQLAlchemy connects lazily
            # Flask-SQLAlchemy's session takes its bind from this mapping: the session, and the sessions
            # the app opens on ``db.engine`` itself, all work in the test's transaction.
            db.engines[None] = joined
    return app


def release(app) -> None:
    """Close an app's session and, unless it works in the test's transaction, its engine's connections."""
    with app.app_context():
        db.session.remove()
        if not isinstance(db.engine, Connection):
            db.engine.dispose()


def _share_url_builders() -> None:
    """Each test makes an app, and 60% of create_app is Werkzeug compiling two URL builder functions for
    each of its ~100 rules (``Rule._compile_builder``), the same ones every time. The compiled function
    reads the rule's converters through its ``self`` argument, so one compiled for a rule of the same text
    and parts serves every app's copy of that rule. Tests only; skipped (no harm) if Werkzeug renames it."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or not hasattr(Rule, "_trace"):
        return
    compiled: dict = {}

    def shared(self, append_unknown=True):
        if self.defaults:  # defaults are folded into the code as constants: compile as usual
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = shared


_share_url_builders()

# create_savepoint: a session on the test's connection commits by releasing a savepoint of its own, and
# never touches the outer transaction. (No effect on sessions bound to an engine.)
db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@pytest.fixture
def app_config():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(request, tmp_path, app_config):
    config = dict(app_config)
    if request.node.get_closest_marker("real_password_hash"):
        config["PASSWORD_HASH_METHOD"] = "scrypt"
    if request.node.get_closest_marker(OWN_DATABASE) or "SQLALCHEMY_DATABASE_URI" in config:
        yield from _app_on_own_database(request, tmp_path, config)
        return
    global _joined
    shared = request.getfixturevalue("shared_database")
    _joined = shared.begin()
    try:
        app = make_app(tmp_path, **config)
        yield app
        release(app)
    finally:
        _joined = None
        shared.rollback()


def _app_on_own_database(request, tmp_path, config):
    """A fresh SQLite file; on PostgreSQL the shared schema, emptied before and after (its commits are real)."""
    shared = request.getfixturevalue("shared_database") if POSTGRES_URL else None
    app = make_app(tmp_path, **config)
    if shared is not None and "SQLALCHEMY_DATABASE_URI" not in config:
        shared.reset_postgres()
    else:
        with app.app_context():
            db.create_all()
            seed_reference_data()
    yield app
    release(app)
    if shared is not None and "SQLALCHEMY_DATABASE_URI" not in config:
        shared.reset_postgres()  # leave only the reference rows for the tests after this one


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
    """make_staff(email, password, role, first_name=..., last_name=...) -> the new staff member's id."""
    from tests import factories

    def make(email="agent@example.com", password=factories.PASSWORD, role="agent", **names):
        # Inside a test that already holds a context (ctx), use its session, as the code under test does.
        if has_app_context():
            staff = factories.staff(email, password, role, **names)
            db.session.commit()
            return staff.id
        with app.app_context():
            staff = factories.staff(email, password, role, **names)
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
