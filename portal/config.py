"""Configuration: safe defaults, overridden by environment variables (all listed in the README)."""
import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together must agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Every setting the app reads at start-up, with its default."""
    instance = Path(instance_path)
    host = os.environ.get("HOST", "127.0.0.1")
    port = _int("PORT", 5000)
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'portico.db'}",
        "SECRET_KEY": secret_key(instance_path),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        # Attachments: empty for UPLOAD_DIR, or s3://bucket/prefix (portal/storage.py).
        "STORAGE_URL": os.environ.get("STORAGE_URL", ""),
        "STORAGE_S3_ENDPOINT": os.environ.get("STORAGE_S3_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL") or None,
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None,
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR") or str(instance / "search-index"),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "HOST": host,
        "PORT": port,
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or f"http://{host}:{port}").rstrip("/"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Portico Help Desk <help@localhost>"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        # The address customers answer: reply mails set Reply-To to it, plus-addressed with the request's
        # signed token (help+r12-...@example.com); empty: they answer MAIL_FROM, matched by the subject's token.
        "MAIL_REPLY_TO": os.environ.get("MAIL_REPLY_TO", ""),
        "IMAP_TIMEOUT": _int("IMAP_TIMEOUT", 30),
        "INBOUND_MAX_ATTEMPTS": _int("INBOUND_MAX_ATTEMPTS", 5),  # tries of a mail the importer fails on
        "MAIL_ASYNC": _bool("MAIL_ASYNC", True),
        # Deliver jobs in the committing process, one attempt, instead of by a worker (None: only under TESTING).
        "OUTBOX_INLINE": _bool("OUTBOX_INLINE", False) if os.environ.get("OUTBOX_INLINE") else None,
        "OUTBOX_LEASE": _int("OUTBOX_LEASE", 300),
        "OUTBOX_RETRY_BASE": float(os.environ.get("OUTBOX_RETRY_BASE") or 10),
        "OUTBOX_RETRY_CAP": float(os.environ.get("OUTBOX_RETRY_CAP") or 3600),
        "MAIL_ATTEMPTS": _int("MAIL_ATTEMPTS", 10),
        "OUTBOX_KEEP_DONE": _int("OUTBOX_KEEP_DONE", 7 * 86400),
        "OUTBOX_KEEP_DEAD": _int("OUTBOX_KEEP_DEAD", 0),
        "OUTBOX_PRUNE_EVERY": _int("OUTBOX_PRUNE_EVERY", 3600),
        "DEFLECTION_ROLLUP_EVERY": _int("DEFLECTION_ROLLUP_EVERY", 3600),
        "WEBHOOK_LOG_KEEP": _int("WEBHOOK_LOG_KEEP", 30 * 86400),
        "SEARCH_CATCH_UP_EVERY": float(os.environ.get("SEARCH_CATCH_UP_EVERY") or 2),
        "SEARCH_GAP_WAIT": _int("SEARCH_GAP_WAIT", 30),
        "SEARCH_CHANGE_KEEP": _int("SEARCH_CHANGE_KEEP", 7 * 86400),
        "WEBHOOK_ATTEMPTS": _int("WEBHOOK_ATTEMPTS", 8),
        "WEBHOOK_TIMEOUT": _int("WEBHOOK_TIMEOUT", 10),
        "WEBHOOK_DISABLE_AFTER": _int("WEBHOOK_DISABLE_AFTER", 86400),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 10_000_000),
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 50_000_000),
        # Flask's own setting: Werkzeug applies it to multipart bodies, portal.security to urlencoded ones.
        "MAX_FORM_PARTS": _int("MAX_FORM_FIELDS", 1000),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "SEARCH_LOCK_TIMEOUT": float(os.environ.get("SEARCH_LOCK_TIMEOUT") or 0),
        "SEARCH_POSTINGS_CACHE_MB": _int("SEARCH_POSTINGS_CACHE_MB", 64),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", 20_000),
        "PAGE_CACHE_TTL": _int("PAGE_CACHE_TTL", 300),
        # Redis keys of the shared page cache (portal/pagecache_shared.py) start with this; default: one
        # namespace per database URL.
        "PAGE_CACHE_REDIS_PREFIX": os.environ.get("PAGE_CACHE_REDIS_PREFIX", ""),
        # Whether kept replies are shared through REDIS_URL at all (0: each worker keeps its own only).
        "PAGE_CACHE_SHARED": _bool("PAGE_CACHE_SHARED", True),
        # Shared caches (a reverse proxy, a CDN) keep anonymous pages this many seconds (portal.httpcache).
        "HTTP_CACHE_MAX_AGE": _int("HTTP_CACHE_MAX_AGE", 10),
        "HTTP_CACHE_STALE_WHILE_REVALIDATE": _int("HTTP_CACHE_STALE_WHILE_REVALIDATE", 0),
        # HappyFox API calls per key, reads and writes apart (portal.rest.happyfox.dialect).
        "RATELIMIT_HAPPYFOX_READ": os.environ.get("RATELIMIT_HAPPYFOX_READ") or "500 per minute",
        "RATELIMIT_HAPPYFOX_WRITE": os.environ.get("RATELIMIT_HAPPYFOX_WRITE") or "300 per minute",
        "HAPPYFOX_THROTTLE_STATUS": 503 if _int("HAPPYFOX_THROTTLE_STATUS", 429) == 503 else 429,
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the session lifetime bounds the token; forms left open stay valid
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    "JSON_SORT_KEYS": False,
    # Redis down must not take every limited page down with it: count in process memory until it is back.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    # Werkzeug's method name for new password hashes. The tests use a cheap one; production keeps scrypt.
    "PASSWORD_HASH_METHOD": "scrypt",
}
