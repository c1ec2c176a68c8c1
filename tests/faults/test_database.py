"""A locked or unreachable database gives a clean 503 page, and loses nothing already committed."""
import threading

import pytest
from flask import jsonify
from sqlalchemy import create_engine, event, text

from portal.extensions import db
from portal.requests.models import Note, Request
from portal.requests.services import RequestInput, create_request
from tests.conftest import POSTGRES_URL, make_app


def _add_create_route(app):
    """A stand-in for a view that writes: call the service, commit once (the house pattern)."""
    def create():
        req = create_request(RequestInput(note="Printer on fire", email="pat@example.com"), check_spam=False)
        db.session.commit()
        return jsonify(id=req.id)

    app.add_url_rule("/_test/create", endpoint="test_create", view_func=create, methods=["POST"])


def _counts():
    return (db.session.scalar(db.select(db.func.count(Request.id))),
            db.session.scalar(db.select(db.func.count(Note.id))))


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-portico-dir/sub/portico.db",
    "postgresql+psycopg://portico:wrong@127.0.0.1:1/portico?connect_timeout=2",
])
def test_unreachable_database_gives_a_503_page(tmp_path, url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    client = app.test_client()
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert b"Briefly unavailable" in response.data
    assert response.headers["Content-Security-Policy"]
    json = client.get("/", headers={"Accept": "application/json"})
    assert json.status_code == 503 and json.get_json()["error"]["status"] == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"


@pytest.fixture
def short_lock_wait(app):
    """Make the app give up on a lock after ~0.3 s instead of the production 10 s busy timeout."""
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "checkout")
        def _short_wait(dbapi_connection, _record, _proxy):
            cursor = dbapi_connection.cursor()
            if engine.dialect.name == "sqlite":
                cursor.execute("PRAGMA busy_timeout=300")
            else:
                cursor.execute("SET lock_timeout = '300ms'")
            cursor.close()
        engine.dispose()
    return app


def _hold_lock(url, ready, release):
    """Another process' transaction holding the write lock until told to stop."""
    engine = create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            conn.execute(text("BEGIN"))
            conn.execute(text("LOCK TABLE request IN ACCESS EXCLUSIVE MODE"))
        ready.set()
        release.wait(20)
        conn.rollback()
    engine.dispose()


def test_locked_database_gives_a_503_and_keeps_what_was_committed(app, short_lock_wait):
    _add_create_route(app)
    client = app.test_client()
    first = client.post("/_test/create")
    assert first.status_code == 200
    first_id = first.get_json()["id"]

    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(app.config["SQLALCHEMY_DATABASE_URI"], ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        blocked = client.post("/_test/create", headers={"Accept": "text/html"})
        assert blocked.status_code == 503
        assert b"Briefly unavailable" in blocked.data
    finally:
        release.set()
        holder.join(20)

    # Once the lock is gone everything works again; the committed request and its note are intact
    # and the refused one left nothing behind.
    with app.app_context():
        assert _counts() == (1, 1)
        req = db.session.get(Request, first_id)
        assert req.notes[0].body == "Printer on fire"
    again = client.post("/_test/create")
    assert again.status_code == 200
    with app.app_context():
        assert _counts() == (2, 2)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (PORTICO_TEST_DATABASE_URL)")
def test_postgres_restart_mid_session_recovers(app):
    # pool_pre_ping: a connection killed by a server restart is replaced, not reported as an error.
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        pids = [row[0] for row in db.session.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
        for pid in pids:
            db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        db.session.commit()
    assert client.get("/healthz").status_code == 200
