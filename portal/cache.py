"""What changed, and who must forget it: the cache generations shared by every process, and a short-lived
per-process cache for what every visitor sees the same way (the home page's lists, the portal settings).

Generations. Cached replies (portal.pagecache) are stored with the generation numbers of the scopes they
show: "site" always (settings, statuses, categories, fields, staff names), then "kb", "forums", "requests" or
one request's bucket "request:<n>". The change feed (portal.changes) hands each commit's change set to
:func:`raise_generations` inside the transaction, which adds one to the row of every scope written, so every
worker on every host sees the change from its first request after the commit.

Content cache. The home lists aggregate or sort over whole tables (the tag cloud counts every page's tags),
and every page reads the settings; computing them on every request made pages slower as the database grew.
Cached values are plain Python values (never ORM objects: they outlive the session), keyed by a name, never
per-user content. An entry lives ``ttl`` seconds; a commit that wrote a table it depends on drops it in this
process at once (:func:`forget_written`), and other processes drop it when they see the "site" generation
move (pagecache) or when it expires. Each app has its own cache (``app.extensions``), so tests that create a
fresh app and database never see another app's values.
"""
import threading
import time
from typing import cast

from flask import current_app, has_app_context
from sqlalchemy import BigInteger, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from . import changes
from .changes import EVERY_TABLE, ChangeSet
from .extensions import Model, db

HOME_TTL = 30.0  # the home page's lists; settings keep theirs shorter (settings.SETTINGS_TTL)
clock = time.monotonic  # replaced in tests to let time pass

REQUEST_BUCKETS = 1024  # one request's writes invalidate 1/1024 of the cached request replies
ALL_REQUESTS = "requests"
SITE = "site"

# Which scope a write to each table changes. Tables not named here change "site" (which every cached reply
# depends on): a new table is safe before anyone thinks of it. Request tables name the request's bucket.
TABLE_SCOPES = {
    "book": ("kb",), "chapter": ("kb",), "page": ("kb",), "page_attachment": ("kb",), "page_vote": ("kb",),
    "tag": ("kb", "forums"),
    "page_translation": ("kb",), "book_translation": ("kb",), "chapter_translation": ("kb",),
    "page_revision": (),  # staff-only history
    "forum": ("forums",), "topic": ("forums",), "post": ("forums",), "known_user": ("forums",),
    # Shown on no cached page: customers' own rows are read only when logged in (never cached).
    "customer": (), "password_reset": (), "api_key": (), "login_attempt": (), "cache_generation": (),
    "customer_phone": (),  # contacts' phones: staff pages and the APIs only
    "spent_challenge": (),  # the forms' used proof-of-work challenges (portal.challenge)
    "topic_subscription": (),  # reply subscriptions: on no page at all
    "temp_blob": (),  # DeskPRO's uploaded files waiting for a message (portal.rest.deskpro.blobs)
    "saved_filter": (),  # staff's saved queue views (portal.requests.filters): on no cached page
    "job": (),  # the outbox (portal.outbox): mail waiting to be sent is on no page
    # The staff workspace's own rows (portal.requests.workspace_models): on staff pages only, never cached.
    "time_event": (), "request_subscription": (), "canned_response": (), "response_use": (), "staff_category": (),
    "address_contact": (), "book_editor": (),
    # Deflection events, searches counted and page feedback: staff pages only (never cached).
    "deflection_event": (), "deflection_week": (), "search_count": (), "page_feedback": (), "page_view": (),
    # Staff notification choices and IMAP mailboxes (portal.notifications, portal.inbound): staff pages only.
    "notification_preference": (), "followed_category": (), "mailbox": (), "inbound_mail": (),
    "search_change": (),  # the search change log each host's index follows (portal.search.changelog)
}
REQUEST_TABLES = frozenset({"request", "note", "attachment", "field_value", "request_merge"})


class CacheGeneration(Model):
    """A counter per scope, raised by every commit that changes what the scope's cached replies show."""
    __tablename__ = "cache_generation"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_GENERATIONS = cast(Table, CacheGeneration.__table__)


def request_bucket(request_id: int) -> str:
    """A write to one request raises its bucket only."""
    return f"request:{request_id % REQUEST_BUCKETS}"


def request_scopes(request_id: int) -> tuple[str, ...]:
    """What one request's cached replies depend on: its bucket, and writes that named no request."""
    return ALL_REQUESTS, request_bucket(request_id)


def scopes_written(change_set: ChangeSet) -> set[str]:
    """The scopes whose cached replies a change set makes stale."""
    scopes: set[str] = set()
    for table in change_set.tables:
        if table in REQUEST_TABLES:
            if table in change_set.unowned:
                scopes.add(ALL_REQUESTS)
        else:
            scopes.update(TABLE_SCOPES.get(table, (SITE,)))
    if change_set.tables & REQUEST_TABLES:
        scopes.update(request_bucket(request_id) for request_id in change_set.ids("request"))
    return scopes


def raise_generations(change_set: ChangeSet, connection: Connection) -> None:
    """In the committing transaction: one more for each scope written (an upsert per scope)."""
    scopes = scopes_written(change_set)
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for scope in sorted(scopes):  # one order in every transaction: two commits never deadlock on these rows
        statement = insert(_GENERATIONS).values(scope=scope, value=1)
        connection.execute(statement.on_conflict_do_update(index_elements=[_GENERATIONS.c.scope],
                                                           set_={"value": _GENERATIONS.c.value + 1}))


def current(scopes: tuple[str, ...]) -> tuple[int, ...]:
    """The generation numbers of ``scopes``, in that order (0 for a scope never written).

    Read on a pooled DB-API connection of its own, outside the session: a reply from the store then
    costs no session, transaction or ORM work at all (measured: 0.5 ms a reply through the session, 0.39
    ms this way). On PostgreSQL the one SELECT runs in autocommit, without BEGIN and ROLLBACK round
    trips. Reading it on another connection than the page's is still safe: it happens before the page's
    own reads, so a page is never stored under numbers newer than its rows. Errors come out as
    SQLAlchemy's (an unreachable database answers 503 like any other page)."""
    engine = db.engine
    dbapi = engine.dialect.loaded_dbapi
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"SELECT scope, value FROM cache_generation WHERE scope IN ({', '.join([mark] * len(scopes))})"
    if isinstance(engine, Connection):  # a test's one transaction (tests/conftest.py): read on its connection
        cursor = engine.connection.cursor()
        cursor.execute(sql, tuple(scopes))
        rows = dict(cursor.fetchall())
        cursor.close()
        return tuple(rows.get(scope, 0) for scope in scopes)
    try:
        connection = engine.raw_connection()
        try:
            driver = connection.driver_connection
            assert driver is not None  # a live pooled connection always has its driver's
            quick = engine.dialect.name == "postgresql" and not driver.autocommit
            if quick:
                driver.autocommit = True
            try:
                cursor = connection.cursor()
                cursor.execute(sql, tuple(scopes))
                rows = dict(cursor.fetchall())
                cursor.close()
            finally:
                if quick and not driver.closed:
                    driver.autocommit = False
        except dbapi.Error:
            connection.invalidate()  # a fresh one next time rather than a broken one back in the pool
            raise
        finally:
            connection.close()  # back to the pool
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, tuple(scopes), exc, dbapi.Error, dialect=engine.dialect) from exc
    return tuple(rows.get(scope, 0) for scope in scopes)




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

    While the current transaction holds writes not yet committed, ``produce()`` runs uncached: the writer
    reads its own changes (a setting changed earlier in the same request) and nothing uncommitted is shared."""
    if changes.pending():
        return produce()
    return for_app().get(key, produce, ttl, tables)


def clear(app=None) -> None:
    for_app(app).invalidate()


def forget_written(change_set: ChangeSet) -> None:
    """After a commit: drop this process's copies of what it wrote."""
    if change_set.tables and has_app_context():
        for_app().invalidate(change_set.tables)


def init_app(app) -> None:
    changes.subscribe(forget_written, in_transaction=raise_generations)
