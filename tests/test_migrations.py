"""The migrations build the schema from empty, on SQLite and on PostgreSQL, and match the models."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db
from tests.conftest import POSTGRES_URL, fresh_postgres_database, make_app

# Indexes on an expression (lower(name)): SQLAlchemy does not reflect them on every database, so the
# comparison skips them and they are checked by name instead.
EXPRESSION_INDEXES = {"ix_tag_name_lower"}


def _index_names(connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        return set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
    return set(connection.execute(text("SELECT indexname FROM pg_indexes")).scalars())


def _without_expression_indexes(diff):
    def named(item):
        return isinstance(item, tuple) and len(item) > 1 and getattr(item[1], "name", None) in EXPRESSION_INDEXES
    return [item for item in diff if not named(item)]


def _upgrade_and_compare(tmp_path, url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*expression-based index")
                diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                        db.metadata)
            diff = _without_expression_indexes(diff)
            assert EXPRESSION_INDEXES <= _index_names(connection)
            tables = set(inspect(connection).get_table_names())
            statuses = connection.execute(text("SELECT name FROM status ORDER BY position")).scalars().all()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    return diff, tables, statuses, left


def test_sqlite_upgrade_from_empty_matches_models(tmp_path):
    diff, tables, statuses, left = _upgrade_and_compare(tmp_path, f"sqlite:///{tmp_path / 'migrated.db'}")
    assert diff == []
    assert {"request", "note", "page", "post", "api_key", "setting"} <= tables
    assert statuses[0] == "Active" and statuses[-1] == "Spam"
    assert left == set()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
def test_postgres_upgrade_from_empty_matches_models(tmp_path):
    with fresh_postgres_database("portico_migrate") as url:
        diff, tables, statuses, left = _upgrade_and_compare(tmp_path, url)
    assert diff == []
    assert "request" in tables
    assert statuses[0] == "Active"
    assert left == set()


def test_app_never_creates_tables_itself(tmp_path):
    """Outside tests the schema comes from migrations only: a new app leaves an empty database empty."""
    url = f"sqlite:///{tmp_path / 'untouched.db'}"
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    app.test_client().get("/healthz")
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        db.engine.dispose()
