"""Rate-limit counters shared by every worker of one host, in a SQLite file: the storage used without Redis.

Flask-Limiter's memory storage counts in each process, so with gunicorn's N workers an address got N times
every limit. This ``limits`` storage (scheme ``portico-sqlite://<absolute path>``) keeps the counters in one
file in the instance folder instead: every worker of the host shares them, whether it was forked before or
after the app was made (a connection is opened per process and thread, never inherited across a fork).
Hosts do not share it: several hosts need REDIS_URL. Only Flask-Limiter's default fixed-window strategy
is supported.
"""
import os
import sqlite3
import threading
import time
import urllib.parse

from limits.storage import Storage

SCHEME = "portico-sqlite"
SWEEP_EVERY = 60.0  # seconds between deletions of expired counters, per process
# Connections a forked child inherited: never used, and never closed either (SQLite's rule: a connection
# must not cross a fork; closing it in the child could disturb the parent's locks and WAL file).
_inherited: list = []

_SCHEMA = ("CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
           "expires_at REAL NOT NULL)")
# One statement, so atomic under SQLite's lock: a counter past its expiry starts again at the amount.
_INCREMENT = """
INSERT INTO counter (key, value, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN counter.expires_at <= :now THEN excluded.value ELSE counter.value + excluded.value END,
    expires_at = CASE WHEN counter.expires_at <= :now THEN excluded.expires_at ELSE counter.expires_at END
RETURNING value
"""


def uri_for(path) -> str:
    return f"{SCHEME}://{os.path.abspath(path)}"


class HostStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = urllib.parse.urlparse(uri).path
        self._local = threading.local()
        self._swept_at = 0.0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # new thread, or a forked child: its own connection
            if getattr(local, "connection", None) is not None:
                _inherited.append(local.connection)
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # counters may lose the last writes on power loss
            connection.execute(_SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        if now - self._swept_at > SWEEP_EVERY:
            self._swept_at = now
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        # fetchall: the statement must finish, or it would keep its transaction (and the write lock) open.
        [(value,)] = connection.execute(_INCREMENT, {"key": key, "amount": amount, "expires_at": now + expiry,
                                                     "now": now}).fetchall()
        return int(value)

    def get(self, key: str) -> int:
        rows = self._connection().execute("SELECT value FROM counter WHERE key = ? AND expires_at > ?",
                                          (key, time.time())).fetchall()
        return int(rows[0][0]) if rows else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        rows = self._connection().execute("SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?",
                                          (key, now)).fetchall()
        return float(rows[0][0]) if rows else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchall()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
