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

Freshness: each reply is stored with the generation numbers of the scopes it shows (portal.cache: every
commit raises the numbers of the scopes it wrote, inside the same transaction); a stored reply is used only
while its numbers are the current ones. So every worker, on every host, sees a change from its first
request after the commit, at the price of one indexed SELECT per cached reply. Entries also expire after
``PAGE_CACHE_TTL`` seconds, for what changes with time alone (a closed request hidden after N days). The
generation is read *before* the page is rendered: a reply rendered from newer rows than its numbers is merely
stored too old.
"""
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from . import cache, httpcache
from .cache import SITE, TABLE_SCOPES, current
from .pagecache_shared import shared_store

clock = time.monotonic  # replaced in tests to let time pass
# On every reply the page cache answered or rendered, as a proxy's X-Cache: what an operator (and the bench's
# crowd rows) reads to see how often pages are rendered.
STATE_HEADER = "X-Portico-Page-Cache"
CSRF_MARK = "pagecache-csrf-9f1c2e7b"


# ---------------------------------------------------------------------------------------------- replies

@dataclass
class Entry:
    stamp: tuple
    expires: float
    status: int
    headers: list
    body: bytes | str  # what serve() stores: the reply's UTF-8, zlib-compressed (see pack)


def pack(text: str) -> bytes:
    """A reply as kept: compressed at zlib's fastest level, about a third of its size (a KB page's 7 KB in
    2.5 KB) for ~0.05 ms per render and ~0.03 ms per use. A crowd reads thousands of distinct pages: three
    times as many of them fit in the same memory, and a reply read again is one a worker does not render."""
    return zlib.compress(text.encode(), 1)


def unpack(entry: Entry) -> str:
    return zlib.decompress(entry.body).decode() if isinstance(entry.body, bytes) else entry.body


# Replies are as large as what people wrote (a request page shows every note of its history): the store
# also holds at most MAX_CHARS bytes of compressed replies (characters, for replies kept as text), and never
# one reply of more than a quarter of that.
MAX_CHARS = 64_000_000


class Store:
    """The last ``size`` replies by key, least recently used first out, ``max_chars`` bytes at most."""

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


_VOLATILE: dict[str, Callable[[], str]] = {}


def volatile(mark: str, produce):
    """``produce`` for templates, rendered as ``mark`` into a cached reply and filled in per reply."""
    _VOLATILE[mark] = produce

    @wraps(produce)
    def value(*args, **kwargs):
        if httpcache.shared():
            return ""  # one visitor's value: fetched when they use the form (portal.forms)
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
    config = current_app.config
    if config["PAGE_CACHE_ENTRIES"] <= 0:
        return False
    if api:
        return True
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.cookies
    remembered = config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if config["SESSION_COOKIE_NAME"] not in cookies and remembered not in cookies:
        return True  # no session and no remembered login: nobody is logged in, nothing is flashed (no lookup)
    return "_flashes" not in session and not current_user.is_authenticated


# x-portico-search-outcome and x-portico-page-view: what a search found and which page was viewed
# (portal.deflection counts them on every reply, cached or not, and takes the headers off).
_KEPT_HEADERS = {"content-type", "x-robots-tag", "referrer-policy", "cache-control", "x-helpspot-api",
                 "x-portico-search-outcome", "x-portico-page-view"}


def serve(key, scopes: tuple[str, ...], produce):
    """The reply for ``key``: from the store while ``scopes`` are unchanged, else ``produce()``'s (stored
    when it is a 200). The caller has checked :func:`eligible`."""
    scopes = (SITE, *scopes)
    stamp = current(scopes)
    kept = store()
    _observe(kept, scopes, stamp)
    if (not_modified := httpcache.check(key, stamp)) is not None:
        return not_modified
    entry = kept.get(key)
    now = clock()
    if entry is None or entry.stamp != stamp or entry.expires <= now:
        entry = _from_shared(kept, key, stamp, now)
    if entry is not None:
        response = current_app.response_class(_fill(unpack(entry)), entry.status, headers=entry.headers)
        response.headers[STATE_HEADER] = "hit"
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
        kept.put(key, Entry(stamp, now + current_app.config["PAGE_CACHE_TTL"], 200, headers, pack(body)))
        if (shared := shared_store()) is not None:
            shared.put(key, stamp, 200, headers, body)
    response.set_data(_fill(body))
    response.headers[STATE_HEADER] = "miss"
    return response


def _from_shared(kept: Store, key, stamp: tuple, now: float) -> Entry | None:
    """The reply another worker rendered under these very numbers (Redis, when ``REDIS_URL`` is set),
    kept in this worker's store too until it expires where it was first stored."""
    shared = shared_store()
    found = shared.get(key, stamp) if shared is not None else None
    if found is None:
        return None
    left = found["expires_at"] - time.time()
    if left <= 0:
        return None
    entry = Entry(stamp, now + left, found["status"], [tuple(pair) for pair in found["headers"]], found["body"])
    kept.put(key, entry)
    return entry


def _observe(kept: Store, scopes: tuple[str, ...], stamp: tuple[int, ...]) -> None:
    """A change committed by another worker: drop this worker's short-lived copies of what it wrote
    (portal.cache: settings, the home lists) before rendering, so a reply stored under the new numbers
    never shows an older copy."""
    for scope, value in zip(scopes, stamp, strict=True):
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
    (that defeated the cache) nor shows in the reply. A redirect (to the page's
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
            # The interface's language (portal.i18n) is part of every page, whatever the view varies on.
            key = (request.endpoint, request.path, arguments, vary(**kwargs) if vary else None,
                   str(get_locale()))

            def produce():
                response = current_app.make_response(view(*args, **kwargs))
                if every is not None and response.status_code in (301, 302, 303, 307, 308):
                    request.args = every
                    response = current_app.make_response(view(*args, **kwargs))
                return response
            httpcache.begin(names)
            return httpcache.finish(serve(key, names, produce))
        return wrapper
    return decorator


def _keep_only(used: dict):
    """Drop the query arguments a cached page does not read (``request.args`` is Werkzeug's cached
    property); the arguments as they were when some were dropped, else None."""
    if all(name in used for name in request.args):
        return None
    every = request.args
    request.args = request.parameter_storage_class(
        [(name, value) for name, value in every.items(multi=True) if name in used])
    return every
