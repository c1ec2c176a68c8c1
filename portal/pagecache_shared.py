"""The page cache's second tier: replies kept in Redis, shared by every worker and host (``REDIS_URL``).

Why: the per-worker store (``pagecache.Store``) renders a crowd's pages once per worker, and a crowd that
reads many pages a little each (Zipf) misses in every worker before it hits. With Redis, a page rendered by
one worker is answered from memory by all of them.

Exactness is the per-worker store's: the Redis key holds the generation numbers the reply was rendered
under (read before rendering), so a commit that raises a number makes every older key unreachable (they
expire after ``PAGE_CACHE_TTL``); nothing in a kept reply is per visitor (``pagecache`` stores only
anonymous replies, with markers where the CSRF token and form timestamps go). Keys are prefixed by the
site (a digest of the database URL, or ``PAGE_CACHE_REDIS_PREFIX``), so sites sharing a Redis never read
each other's replies.

Redis down or slow: the error is logged once, the tier is skipped for ``RETRY_SECONDS`` and the worker
answers from its own store or renders: a page is never refused because the cache is away."""
import hashlib
import json
import logging
import os
import threading
import time
import zlib

from flask import current_app

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
TIMEOUT_SECONDS = 0.1
COMPRESS_FROM = 2_048  # bytes of JSON: smaller replies are kept as they are
_PLAIN, _ZLIB = b"j", b"z"


class SharedStore:
    """Replies in Redis by (key, generation numbers). ``get`` and ``put`` never raise."""

    def __init__(self, url: str, prefix: str, ttl: int):
        import redis

        self.prefix, self.ttl = prefix, max(1, ttl)
        self.client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                           socket_connect_timeout=TIMEOUT_SECONDS, retry_on_timeout=False)
        self.down_until = 0.0
        self._lock = threading.Lock()

    def redis_key(self, key, stamp: tuple) -> str:
        digest = hashlib.blake2b(repr((key, stamp)).encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
        return f"{self.prefix}{digest}"

    def get(self, key, stamp: tuple) -> dict | None:
        """The reply kept for ``key`` under exactly ``stamp``: {status, headers, body, expires_at (epoch)}."""
        raw = self._call("get", self.redis_key(key, stamp))
        if not raw:
            return None
        try:
            data = zlib.decompress(raw[1:]) if raw[:1] == _ZLIB else raw[1:]
            value = json.loads(data)
        except (ValueError, zlib.error):
            return None
        if value.get("stamp") != list(stamp) or value.get("key") != repr(key):
            return None  # a digest collision or another version's value: render instead
        return value

    def put(self, key, stamp: tuple, status: int, headers: list, body: str) -> None:
        value = json.dumps({"key": repr(key), "stamp": list(stamp), "status": status, "headers": headers,
                            "body": body, "expires_at": time.time() + self.ttl}).encode("utf-8", "surrogatepass")
        raw = _ZLIB + zlib.compress(value, 1) if len(value) >= COMPRESS_FROM else _PLAIN + value
        self._call("set", self.redis_key(key, stamp), raw, ex=self.ttl)

    def _call(self, name: str, *args, **kwargs):
        import redis

        if time.monotonic() < self.down_until:
            return None
        try:
            return getattr(self.client, name)(*args, **kwargs)
        except (redis.RedisError, OSError) as exc:
            with self._lock:
                if time.monotonic() >= self.down_until:
                    log.warning("page cache: Redis unavailable (%s); each worker keeps its own replies for "
                                "the next %g s", exc, RETRY_SECONDS)
                self.down_until = time.monotonic() + RETRY_SECONDS
            return None


def default_prefix(app) -> str:
    """``portico:page:<digest of the database URL>:``: one namespace per site."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    return f"portico:page:{hashlib.blake2b(url.encode(), digest_size=6).hexdigest()}:"


def shared_store(app=None) -> SharedStore | None:
    """This process's shared tier, or None without ``REDIS_URL``, with ``PAGE_CACHE_SHARED`` off or with the
    page cache off. Made per
    process (a Redis connection must not cross gunicorn's fork)."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url or app.config["PAGE_CACHE_ENTRIES"] <= 0 or not app.config.get("PAGE_CACHE_SHARED", True):
        return None
    kept = app.extensions.get("portico_pagecache_shared")
    if kept is None or kept[0] != os.getpid():
        prefix = app.config.get("PAGE_CACHE_REDIS_PREFIX") or default_prefix(app)
        kept = (os.getpid(), SharedStore(url, prefix, app.config["PAGE_CACHE_TTL"]))
        app.extensions["portico_pagecache_shared"] = kept
    return kept[1]
