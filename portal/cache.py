"""A short-lived, per-process cache for what every visitor sees the same way (the home page's lists, the
portal settings).

Why: the home lists aggregate or sort over whole tables (the tag cloud counts every page's tags), and
every page read the settings table; computing them on every request made pages slower as the database
grew. Cached values are plain Python values (never ORM objects: they outlive the session), keyed by a
name, never per-user content.

Freshness: an entry lives ``ttl`` seconds. A commit that wrote to one of the tables an entry depends on
(an ORM flush, or an INSERT/UPDATE/DELETE statement; raw SQL other than SELECT counts as writing every
table) drops that entry in this process at once, so the writer sees its change on the next page. Other
worker processes see it when their entry expires: at most ``ttl`` seconds later. Each app has its own
cache (``app.extensions``), so tests that create a fresh app and database never see another app's values.
"""
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import TextClause, event
from sqlalchemy.orm import Session

HOME_TTL = 30.0  # the home page's lists; settings keep theirs shorter (settings.SETTINGS_TTL)
clock = time.monotonic  # replaced in tests to let time pass
_WROTE = "portico_cache_wrote"  # session.info: names of the tables written since the last commit
EVERY_TABLE = "*"


class ContentCache:
    """Values by key, each valid until its time runs out or a write to a table it depends on is committed."""

    def __init__(self):
        self.generation = 0
        self._values: dict[str, tuple[int, float, frozenset, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, produce, ttl: float, tables=frozenset()):
        entry = self._values.get(key)
        now = clock()
        if entry is not None and entry[0] == self.generation and entry[1] > now:
            return entry[3]
        generation = self.generation  # a commit while producing makes this value stale at once
        value = produce()
        with self._lock:
            self._values[key] = (generation, now + ttl, frozenset(tables), value)
        return value

    def invalidate(self, tables=None) -> None:
        """Drop the entries that depend on any of ``tables`` (every entry when None or EVERY_TABLE is in it)."""
        with self._lock:
            self.generation += 1
            everything = tables is None or EVERY_TABLE in tables
            for key, entry in list(self._values.items()):
                if everything or entry[2] & set(tables) or not entry[2]:
                    del self._values[key]
                else:  # still valid: carry it into the new generation
                    self._values[key] = (self.generation, *entry[1:])


def for_app(app=None) -> ContentCache:
    app = app or current_app
    return app.extensions.setdefault("portico_cache", ContentCache())


def cached(key: str, produce, ttl: float = HOME_TTL, tables=()):
    """``produce()``'s value, computed at most once per ``ttl`` seconds in this process, and again after a
    committed write to one of ``tables`` (to any table when none are named). ``produce`` must return plain
    values that are the same for every visitor.

    While the current session holds writes not yet committed, ``produce()`` runs uncached: the writer reads
    its own changes (a setting changed earlier in the same request) and nothing uncommitted is shared."""
    from .extensions import db

    if db.session.info.get(_WROTE):
        return produce()
    return for_app().get(key, produce, ttl, tables)


def clear(app=None) -> None:
    for_app(app).invalidate()


def _wrote(session, *tables: str) -> None:
    session.info.setdefault(_WROTE, set()).update(tables)


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context):
    for instance in (*session.new, *session.dirty, *session.deleted):
        mapper = getattr(instance, "__mapper__", None)
        _wrote(session, *([t.name for t in mapper.tables] if mapper is not None else [EVERY_TABLE]))


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    # INSERT/UPDATE/DELETE statements (vote counters, topic counts) skip the flush; so may raw SQL.
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        _wrote(state.session, getattr(table, "name", None) or EVERY_TABLE)
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() != "SELECT":
        _wrote(state.session, EVERY_TABLE)


@event.listens_for(Session, "after_commit")
def _committed(session):
    tables = session.info.pop(_WROTE, None)
    if tables and has_app_context():
        for_app().invalidate(tables)
