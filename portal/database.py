"""Database set-up: SQLite runs with WAL, a busy timeout and foreign keys on; prepared statements for the
read paths a crowd takes."""
import functools
from collections.abc import Callable, Sequence

from sqlalchemy import Row, event
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Executable

from .extensions import db

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def _on_connect(dbapi_connection, _record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()


def init_app(app) -> None:
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)


# ------------------------------------------------------------------------------------- hot read paths

def prepared(build: Callable[[], Executable]) -> Callable[[], Executable]:
    """``build``'s statement, built on first use and then reused (parameters as ``bindparam``).

    Why: SQLAlchemy builds a statement and then computes its cache key on every call before it finds the
    compiled SQL in its cache; for a page's small index lookups that was ~0.2 ms a statement against 0.03 ms
    of SQLite (bench/README.md, "Prepared statements"). A statement object is immutable and can be shared by
    threads; its cache key is computed once."""
    return functools.cache(build)


def rows(statement: Executable, **params) -> Sequence[Row]:
    """The rows of a prepared Core statement (columns, not ORM objects), read on the session's connection
    in its transaction, without the ORM's per-statement work (another ~0.05 ms). Pending changes are
    flushed first, as ``session.execute`` would."""
    session = db.session
    if session.new or session.deleted or session.dirty:
        session.flush()
    return session.connection().execute(statement, params).all()
