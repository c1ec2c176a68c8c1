"""Whole replies for visitors who are not logged in, kept per worker and checked against the database on
every use.

Why: a KB page, a forum topic or a request page costs 3-6 ms of Python per request (ORM objects, the full
layout, a form), about ten times a hello-world reply, even with every statement an index lookup. Most
readers are anonymous and see the same page; giving them the reply rendered for the previous reader costs
one small statement.

What varies per visitor is rendered as a marker and filled in for each reply: the CSRF token (Flask-WTF
reads ``g.csrf_token`` first) and anything wrapped with :func:`volatile` (the forms' signed timestamp). A
view can add a ``vary`` part to the key (whether this browser already voted on the page). Logged-in
visitors, replies with flashed messages, other methods than GET/HEAD and replies other than 200 are never
cached.

Freshness: each reply is stored with the generation numbers of the scopes it shows ("site" always: settings,
statuses, categories, fields, staff names; then "kb", "forums", "requests" or one request's bucket
"request:<n>"). A commit that writes a table of a scope adds one to that scope's row in
``cache_generation``, inside the same transaction; a stored reply is used only while its numbers are
the current ones. So every worker, on every host, sees a change from its first request after the commit,
at the price of one indexed SELECT per cached reply. Entries also expire after ``PAGE_CACHE_TTL``
seconds, for what changes with time alone (a closed request hidden after N days). The generation is read
*before* the page is rendered: a reply rendered from newer rows than its numbers is merely stored too old.
"""
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps
from itertools import chain

from flask import current_app, g, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, String, TextClause, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

clock = time.monotonic  # replaced in tests to let time pass
CSRF_MARK = "pagecache-csrf-9f1c2e7b"
REQUEST_BUCKETS = 1024  # one request's writes invalidate 1/1024 of the cached request replies
ALL_REQUESTS = "requests"
SITE = "site"

# Which scope a write to each table changes. Tables not named here change "site" (which every cached reply
# depends on): a new table is safe before anyone thinks of it. Request tables name the request's bucket.
TABLE_SCOPES = {
    "book": ("kb",), "chapter": ("kb",), "page": ("kb",), "page_attachment": ("kb",), "page_vote": ("kb",),
    "tag": ("kb", "forums"),
    "forum": ("forums",), "topic": ("forums",), "post": ("forums",), "known_user": ("forums",),
    # Shown on no cached page: customers' own rows are read only when logged in (never cached).
    "customer": (), "password_reset": (), "api_token": (), "login_attempt": (), "cache_generation": (),
    "spent_challenge": (),  # the forms' used proof-of-work challenges (portal.challenge)
    "topic_subscription": (),  # reply subscriptions: on no page at all
}
REQUEST_TABLES = frozenset({"request", "note", "attachment", "field_value", "request_merge"})
_SCOPES = "portico_pagecache_scopes"  # session.info: scopes written since the last commit


class CacheGeneration(db.Model):
    """A counter per scope, raised by every commit that changes what the scope's cached replies show."""
    __tablename__ = "cache_generation"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_TABLE = CacheGeneration.__table__


def request_bucket(request_id: int) -> str:
    """A write to one request raises its bucket only."""
    return f"request:{request_id % REQUEST_BUCKETS}"


def request_scopes(request_id: int) -> tuple[str, ...]:
    """What one request's cached replies depend on: its bucket, and writes that named no request."""
    return ALL_REQUESTS, request_bucket(request_id)


def access_key_scopes(key: str) -> tuple[str, ...] | None:
    """What a reply opened by an access key (the request page, ``request.get``) depends on: its request's
    rows only. None for a key that names no request: not cached. Such replies are kept per exact key, so a
    wrong password never reaches a stored reply."""
    from .requests.services import parse_access_key

    parsed = parse_access_key(key)
    return request_scopes(parsed[0]) if parsed else None


# ---------------------------------------------------------------------------------------------- writes

def _request_id(instance) -> int | None:
    if instance.__table__.name == "request":
        return instance.id
    if getattr(instance, "request_id", None) is not None:
        return instance.request_id
    note = instance.__dict__.get("note")  # an attachment: its note, when loaded (never load during a flush)
    return getattr(note, "request_id", None)


def _record(session, *scopes: str) -> None:
    session.info.setdefault(_SCOPES, set()).update(scopes)


@event.listens_for(Session, "after_flush")
def _flushed(session, _flush_context):
    for instance in chain(session.new, session.dirty, session.deleted):
        table = getattr(getattr(instance, "__table__", None), "name", None)
        if table in REQUEST_TABLES:
            request_id = _request_id(instance)
            _record(session, request_bucket(request_id) if request_id is not None else ALL_REQUESTS)
        else:
            _record(session, *TABLE_SCOPES.get(table, (SITE,)))


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    # UPDATE/DELETE statements (vote counters, topic counts, bulk moves) skip the flush, and name no row.
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(getattr(statement, "table", None), "name", None)
        _record(state.session, *((ALL_REQUESTS,) if table in REQUEST_TABLES else TABLE_SCOPES.get(table, (SITE,))))
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() != "SELECT":
        _record(state.session, SITE)


@event.listens_for(Session, "before_commit")
def _raise_generations(session):
    session.flush()  # the commit would flush these last changes after this hook: count them now
    scopes = session.info.pop(_SCOPES, None)
    if not scopes:
        return
    connection = session.connection()
    insert = _upsert(connection.dialect.name)
    table = _TABLE
    for scope in sorted(scopes):  # one order in every transaction: two commits never deadlock on these rows
        statement = insert(table).values(scope=scope, value=1)
        connection.execute(statement.on_conflict_do_update(index_elements=[table.c.scope],
                                                           set_={"value": table.c.value + 1}))


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop(_SCOPES, None)


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


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


# ---------------------------------------------------------------------------------------------- replies

@dataclass
class Entry:
    stamp: tuple
    expires: float
    status: int
    headers: list
    body: str


# Replies are as large as what people wrote (a request page shows every note of its history): the store
# also holds at most MAX_CHARS characters of replies, and never one reply of more than a quarter of that.
MAX_CHARS = 64_000_000


class Store:
    """The last ``size`` replies by key, least recently used first out, ``max_chars`` characters at most."""

    def __init__(self, size: int, max_chars: int = MAX_CHARS):
        self.size, self.max_chars, self.chars = size, max_chars, 0
        self.seen: dict[str, int] = {}  # the generation numbers this worker last read, by scope
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        if len(entry.body) > self.max_chars // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.chars += len(entry.body) - (len(old.body) if old is not None else 0)
            self._entries[key] = entry
            while len(self._entries) > self.size or self.chars > self.max_chars:
                _, dropped = self._entries.popitem(last=False)
                self.chars -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)


def store(app=None) -> Store:
    app = app or current_app
    return app.extensions.setdefault("portico_pagecache", Store(app.config["PAGE_CACHE_ENTRIES"]))


_VOLATILE: dict[str, callable] = {}


def volatile(mark: str, produce):
    """``produce`` for templates, rendered as ``mark`` into a cached reply and filled in per reply."""
    _VOLATILE[mark] = produce

    @wraps(produce)
    def value(*args, **kwargs):
        return mark if g.get("pagecache_rendering") else produce(*args, **kwargs)
    return value


def _fill(body: str) -> str:
    from flask_wtf.csrf import generate_csrf

    if CSRF_MARK in body:
        body = body.replace(CSRF_MARK, generate_csrf())
    for mark, produce in _VOLATILE.items():
        if mark in body:
            body = body.replace(mark, produce())
    return body


def eligible(api: bool = False) -> bool:
    """Whether this request may be answered from (and stored in) the cache. API reads (``api``) come by
    any verb and never with a login session; the caller has checked that the call is public."""
    if current_app.config["PAGE_CACHE_ENTRIES"] <= 0:
        return False
    return api or (request.method in ("GET", "HEAD") and "_flashes" not in session
                   and not current_user.is_authenticated)


_KEPT_HEADERS = {"content-type", "x-robots-tag", "referrer-policy", "cache-control", "x-helpspot-api"}


def serve(key, scopes: tuple[str, ...], produce):
    """The reply for ``key``: from the store while ``scopes`` are unchanged, else ``produce()``'s (stored
    when it is a 200). The caller has checked :func:`eligible`."""
    scopes = (SITE, *scopes)
    stamp = current(scopes)
    kept = store()
    _observe(kept, scopes, stamp)
    entry = kept.get(key)
    now = clock()
    if entry is not None and entry.stamp == stamp and entry.expires > now:
        response = current_app.response_class(_fill(entry.body), entry.status)
        response.headers.clear()
        response.headers.extend(entry.headers)
        return response
    g.pagecache_rendering, g.csrf_token = True, CSRF_MARK
    try:
        response = current_app.make_response(produce())
    finally:
        g.pop("pagecache_rendering", None)
        g.pop("csrf_token", None)
    if response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data(as_text=True)
    if response.status_code == 200 and "Set-Cookie" not in response.headers:
        headers = [(name, value) for name, value in response.headers.items() if name.lower() in _KEPT_HEADERS]
        kept.put(key, Entry(stamp, now + current_app.config["PAGE_CACHE_TTL"], 200, headers, body))
    response.set_data(_fill(body))
    return response


def _observe(kept: Store, scopes: tuple[str, ...], stamp: tuple[int, ...]) -> None:
    """A change committed by another worker: drop this worker's short-lived copies of what it wrote
    (portal.cache: settings, the home lists) before rendering, so a reply stored under the new numbers
    never shows an older copy."""
    from . import cache

    for scope, value in zip(scopes, stamp):
        if kept.seen.get(scope) == value:
            continue
        kept.seen[scope] = value  # (the first time, too: copies made before may be older than the numbers)
        if scope == SITE:
            cache.clear()
            g.pop("portal_settings", None)  # read earlier in this request (the login gate) from the old copy
        elif tables := {table for table, named in TABLE_SCOPES.items() if scope in named}:
            cache.for_app().invalidate(tables)


def cached_page(scopes, vary=None, args=None):
    """Decorate a GET view whose reply is the same for every anonymous visitor.

    ``scopes``: a tuple of scope names, or a function of the view's arguments giving them (None: do not
    cache this one). ``vary``: a function of the view's arguments giving what else the reply depends on.
    ``args``: the query arguments the page reads, as {name: function of the raw value (None when missing)
    giving the value the page uses}. The reply is kept per those values, so ``?page=01``, ``?page=1`` and
    no page at all are one reply (with ``page_number``); every other argument is left out of
    ``request.args`` while the page renders, so a random ``?x=...`` neither makes the page render again
    (that defeated the cache: issue 11, finding 3) nor shows in the reply. A redirect (to the page's
    canonical URL) is never kept: it is made again with every argument, which it carries over."""
    used = dict(args or {})

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not eligible():
                return view(*args, **kwargs)
            names = scopes(**kwargs) if callable(scopes) else scopes
            if names is None:
                return view(*args, **kwargs)
            every = _keep_only(used)
            arguments = tuple((name, read(request.args.get(name))) for name, read in used.items())
            key = (request.endpoint, request.path, arguments, vary(**kwargs) if vary else None)

            def produce():
                response = current_app.make_response(view(*args, **kwargs))
                if every is not None and response.status_code in (301, 302, 303, 307, 308):
                    request.args = every
                    response = current_app.make_response(view(*args, **kwargs))
                return response
            return serve(key, names, produce)
        return wrapper
    return decorator


def page_number(raw: str | None) -> int:
    """A page number as the list pages read it: 1 when missing or not a positive whole number."""
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def _keep_only(used: dict):
    """Drop the query arguments a cached page does not read (``request.args`` is Werkzeug's cached
    property); the arguments as they were when some were dropped, else None."""
    if all(name in used for name in request.args):
        return None
    every = request.args
    request.args = request.parameter_storage_class(
        [(name, value) for name, value in every.items(multi=True) if name in used])
    return every
