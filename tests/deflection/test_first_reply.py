"""Request.first_reply_at: kept by the service that adds notes (the dashboard's time to first reply reads
it), kept on merge, and backfilled from the notes by the migration."""
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import merging, workflow
from portal.requests.models import Note, Request
from portal.requests.services import add_log, add_note
from tests import factories
from tests.conftest import POSTGRES_URL, fresh_postgres_database, make_app


def test_the_first_public_staff_reply_sets_it_once(app):
    with app.test_request_context():
        agent = factories.staff()
        req = factories.request()
        assert req.first_reply_at is None  # the note it was opened with is no reply
        workflow.add_staff_note(req, agent, "Only for us", public=False)
        add_note(req, "Me again", author_id=0, public=True, is_html=False)  # the customer's
        add_log(req, "Status changed", agent)
        assert req.first_reply_at is None
        first = workflow.add_staff_note(req, agent, "Try this", public=True, notify_customer=False)
        workflow.add_staff_note(req, agent, "And this", public=True, notify_customer=False)
        db.session.commit()
        assert db.session.get(type(req), req.id).first_reply_at == first.created_at


def test_a_request_opened_by_staff_is_not_answered_by_its_own_note(app):
    with app.test_request_context():
        agent = factories.staff()
        req = factories.request()
        add_note(req, "Opened on the phone", author_id=agent.id, staff=agent, public=True, is_html=False,
                 initial=True)
        assert req.first_reply_at is None


def test_merging_keeps_the_earlier_first_reply(app):
    with app.test_request_context():
        agent = factories.staff(role="administrator")
        early, late = datetime(2026, 1, 1, 9), datetime(2026, 1, 2, 9)
        source = factories.request(email="a@example.com")
        target = factories.request(email="b@example.com")
        source.first_reply_at, target.first_reply_at = early, late
        merging.merge(source, target, agent)
        assert target.first_reply_at == early
        lone = factories.request(email="c@example.com")
        merging.merge(factories.request(email="d@example.com"), lone, agent)
        assert lone.first_reply_at is None


def _backfilled(app) -> dict[int, datetime | None]:
    opened = datetime(2026, 3, 1, 8)
    with app.app_context():
        upgrade(revision="slang_0009")
        # Core inserts fill the columns' defaults; first_reply_at has none, so it is not named yet.
        with db.engine.begin() as connection:
            connection.execute(db.insert(Staff.__table__).values(id=1, email="s@example.com", password_hash="x"))
            connection.execute(db.insert(Request.__table__), [dict(id=n, password="abcdef", opened_at=opened,
                                                                   updated_at=opened) for n in (1, 2)])
            notes = [(1, None, True, True, 0), (1, 1, False, False, 1), (1, 1, True, False, 3),
                     (1, 1, True, False, 2), (2, None, True, False, 1), (2, 1, True, True, 0)]
            connection.execute(db.insert(Note.__table__), [
                dict(request_id=request_id, staff_id=staff_id, is_public=public, is_initial=initial, body="x",
                     created_at=opened + timedelta(hours=hours))
                for request_id, staff_id, public, initial, hours in notes])
        upgrade(revision="deflect_0010")
        with db.engine.connect() as connection:
            found = dict(connection.execute(text("SELECT id, first_reply_at FROM request")).all())
        downgrade(revision="base")
        db.engine.dispose()
    return {key: value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)
            for key, value in found.items()}


def _expected():
    return {1: datetime(2026, 3, 1, 10), 2: None}  # the earliest public staff note that opened nothing


def test_the_migration_backfills_it_from_the_notes_on_sqlite(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migrated.db'}")
    assert _backfilled(app) == _expected()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
def test_the_migration_backfills_it_from_the_notes_on_postgres(tmp_path):
    with fresh_postgres_database("portico_migrate") as url:
        assert _backfilled(make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)) == _expected()
