"""A short-lived, per-process cache for what every visitor sees the same way (the home page's lists).

Why: those lists aggregate or sort over whole tables (the tag cloud counts every page's tags); computing
them on every request made the home page slower as the database grew. Cached values are plain Python
values (never ORM objects: they outlive the session), keyed by a name, and never per-user content.

Freshness: an entry lives ``ttl`` seconds (``HOME_TTL`` for the home lists). Any commit that wrote
something through the session (an ORM flush or an INSERT/UPDATE/DELETE statement) empties this process's
cache at once, so the writer sees its change on the next page. Other worker processes see it when
their entry expires: at most ``ttl`` seconds later. Each app has its own cache (``app.extensions``), so
tests that create a fresh app and database never see another app's values.
"""
import threading
import time

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

HOME_TTL = 30.0
clock = time.monotonic  # replaced in tests to let time pass
_WROTE = "portico_cache_wrote"


class ContentCache:
    """Values by key, each valid until its time runs out or the next write is committed."""

    def __init__(self):
        self.generation = 0
        self._values: dict[str, tuple[int, float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, produce, ttl: float):
        entry = self._values.get(key)
        now = clock()
        if entry is not None and entry[0] == self.generation and entry[1] > now:
            return entry[2]
        generation = self.generation  # a commit while producing makes this value stale at once
        value = produce()
        with self._lock:
            self._values[key] = (generation, now + ttl, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._values.clear()


def for_app(app=None) -> ContentCache:
    app = app or current_app
    return app.extensions.setdefault("portico_cache", ContentCache())


def cached(key: str, produce, ttl: float = HOME_TTL):
    """``produce()``'s value, computed at most once per ``ttl`` seconds in this process (and again after a
    committed write). ``produce`` must return plain values that are the same for every visitor."""
    return for_app().get(key, produce, ttl)


def clear(app=None) -> None:
    for_app(app).invalidate()


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context):
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if not state.is_select:  # bulk INSERT/UPDATE/DELETE (vote counters, topic counts) and text()
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop(_WROTE, False) and has_app_context():
        clear()
