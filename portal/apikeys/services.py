"""API keys: creating, listing and revoking them, and checking a key a client presents.

A key acts as its staff member: every service it reaches checks that person's rights, so a key never has
more. Checking a presented key (``authenticate``) refuses it at once when revoked, expired or its staff
member deactivated (nothing is cached). Failed checks are counted per client address in the rate-limit
storage (shared by the workers, and by every host with Redis) and answered 429 once too many; a key's own
hourly and daily caps are counted there too (``spend``). Functions flush, never commit.
"""
import hashlib
import hmac
import math
import secrets
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from limits import RateLimitItemPerDay, RateLimitItemPerHour, parse
from limits.strategies import FixedWindowRateLimiter

from ..dates import utcnow
from ..errors import N_, Forbidden, NotFound, PortalError, ValidationFailed
from ..extensions import db
from . import tags as key_tags
from .models import ALL_TAGS, ApiKey

SECRET_PREFIX = "ptk_"  # the HelpSpot API tokens' prefix: old and new secrets look alike
FAILURES_CONFIG = "RATELIMIT_API_KEY_FAILURES"
FAILURES_DEFAULT = "30 per 15 minutes"  # per client address, as failed logins (accounts.services)
MAX_DAYS, MAX_CAP = 3650, 10**9
TOKEN_NAME = "API token (login)"  # keys made by a token exchange


class KeyRefused(PortalError):
    """No usable key: 401. ``reason`` tells a dialect which of its messages to give."""

    status = 401
    message = N_("Invalid API Key.")

    def __init__(self, reason: str = "invalid", message: str | None = None):
        super().__init__(message)
        self.reason = reason


class KeyThrottled(PortalError):
    """Too many failed key checks from this address, or a key's hourly or daily cap spent: 429."""

    status = 429
    message = N_("Too many requests. Please wait and try again.")

    def __init__(self, retry_after: int, message: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class KeyNotAllowed(Forbidden):
    message = N_("This API key is not allowed to use this endpoint.")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def presented(key: ApiKey, secret: str) -> str:
    """How a client presents the key: ``N:SECRET``."""
    return f"{key.id}:{secret}"


# --- managing keys -----------------------------------------------------------------------------

def _may_manage(actor, owner) -> None:
    if actor is None or not actor.can("tokens") or (actor.id != owner.id and not actor.can("admin")):
        raise Forbidden()


def _positive(value, field: str, limit: int, errors: list) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= limit:
        errors.append((field, gettext("Use a whole number from 1 to %(limit)s, or leave it empty.",
                                      limit=f"{limit:,}")))
        return None
    return number


def create_key(actor, owner, name: str, *, read_only: bool = False, tags: str = ALL_TAGS,
               expires_days=None, hourly=None, daily=None) -> tuple[ApiKey, str]:
    """A new key for staff member ``owner``. Returns (key, secret); the secret is shown once, only its
    hash is kept. Staff make keys for themselves, administrators for anyone.
    Raises Forbidden, ValidationFailed (every problem)."""
    _may_manage(actor, owner)
    errors: list[tuple[str, str]] = []
    name = (name or "").strip()[:100]
    if not name:
        errors.append(("name", gettext("Give the token a name, such as the script that will use it.")))
    tags = ", ".join(part.strip() for part in (tags or ALL_TAGS).split(",") if part.strip()) or ALL_TAGS
    if reason := key_tags.problem(tags):
        errors.append(("tags", reason))
    days = _positive(expires_days, "expires_days", MAX_DAYS, errors)
    hourly = _positive(hourly, "hourly_limit", MAX_CAP, errors)
    daily = _positive(daily, "daily_limit", MAX_CAP, errors)
    if not owner.active:
        errors.append(("staff", gettext("This staff account is deactivated.")))
    if errors:
        raise ValidationFailed(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(staff=owner, name=name, prefix=secret[:10], token_hash=_digest(secret), read_only=bool(read_only),
                 tags=tags, hourly_limit=hourly, daily_limit=daily,
                 expires_at=utcnow() + timedelta(days=days) if days else None)
    db.session.add(key)
    db.session.flush()
    return key, secret


def keys_of(actor, owner) -> list[ApiKey]:
    """The keys of ``owner``, newest first. Raises Forbidden."""
    _may_manage(actor, owner)
    return list(db.session.execute(db.select(ApiKey).where(ApiKey.staff_id == owner.id)
                                   .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).scalars())


def all_keys(actor) -> list[ApiKey]:
    """Every key of every staff member, for administrators. Raises Forbidden."""
    if actor is None or not actor.can("admin"):
        raise Forbidden()
    return list(db.session.execute(db.select(ApiKey).order_by(ApiKey.revoked_at.is_not(None),
                                                              ApiKey.created_at.desc(), ApiKey.id.desc())).scalars())


def revoke_key(actor, key_id: int) -> ApiKey:
    """Revoke a key: refused from the next request on. One's own, or anyone's for administrators.
    Raises NotFound (also for another's key, so ids of others' keys are not confirmed)."""
    key = db.session.get(ApiKey, key_id)
    if key is None or actor is None or (key.staff_id != actor.id and not actor.can("admin")):
        raise NotFound(gettext("No such token."))
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    db.session.flush()
    return key


# --- checking a presented key ------------------------------------------------------------------

def _strategy() -> FixedWindowRateLimiter:
    # The storage every limit of this app uses (portal.security): Redis, or the host's counter file.
    storage = current_app.extensions["portico_once"]
    cached = current_app.extensions.get("portico_key_limiter")
    if cached is None or cached.storage is not storage:
        cached = current_app.extensions["portico_key_limiter"] = FixedWindowRateLimiter(storage)
    return cached


def _wait(strategy: FixedWindowRateLimiter, item, *identity) -> int:
    return max(1, math.ceil(strategy.get_window_stats(item, *identity).reset_time - time.time()))


def _failures_item():
    return parse(current_app.config.get(FAILURES_CONFIG) or FAILURES_DEFAULT)


def _find(credential: str) -> ApiKey | None:
    """The key for ``N:SECRET`` or a bare secret, compared in constant time, or None."""
    number, colon, secret = credential.partition(":")
    if colon and number.isascii() and number.isdigit() and len(number) <= 10:
        key = db.session.get(ApiKey, int(number))
        digest = _digest(secret)
    else:  # a bare secret: HelpSpot API tokens made before keys had ids in them
        digest = _digest(credential)
        key = db.session.execute(db.select(ApiKey).where(ApiKey.token_hash == digest)).scalar_one_or_none()
    if key is None or not hmac.compare_digest(key.token_hash, digest):
        return None
    return key


def authenticate(credential: str, ip: str = "") -> ApiKey:
    """The live key a client presented (and marks it used from ``ip``).

    Raises KeyThrottled (too many failures from ``ip``) or KeyRefused (unknown, wrong secret, revoked,
    expired, or its staff member deactivated; the failure is counted)."""
    credential = (credential or "").strip()
    return _checked(lambda: _find(credential) if credential else None, ip)


def authenticate_token(credential: str, ip: str = "") -> ApiKey:
    """The live key behind ``PERSON_ID:TOKEN``, DeskPRO's way of presenting a token from a token exchange
    (``issue_token``): the token is the secret of a key of that staff member. Raises as ``authenticate``."""
    person, colon, secret = (credential or "").strip().partition(":")

    def find() -> ApiKey | None:
        if not (colon and secret and person.isascii() and person.isdigit() and len(person) <= 10):
            return None
        digest = _digest(secret)
        key = db.session.execute(db.select(ApiKey).where(ApiKey.token_hash == digest)).scalar_one_or_none()
        if key is None or key.staff_id != int(person) or not hmac.compare_digest(key.token_hash, digest):
            return None
        return key
    return _checked(find, ip)


def _checked(find, ip: str) -> ApiKey:
    """The key ``find()`` returns when it is live, with the per-address count of failures around it."""
    strategy, item, identity = _strategy(), _failures_item(), ("api-key-failures", ip or "-")
    try:
        throttled = not strategy.test(item, *identity)
    except Exception:  # the limit storage is down: check the key without the counter
        throttled = False
    if throttled:
        raise KeyThrottled(_wait(strategy, item, *identity), "Too many failed authentications. Please wait.")
    key = find()
    if key is None or not key.live or not key.staff.active:
        try:
            strategy.hit(item, *identity)
        except Exception:
            pass
        raise KeyRefused("invalid")
    key.last_used_at, key.last_used_ip = utcnow(), (ip or "")[:45] or None
    return key


def issue_token(staff) -> tuple[ApiKey, str]:
    """A token for a staff member who just proved their password (DeskPRO's token exchange): a full key of
    theirs, listed and revocable with their other keys. Returns (key, secret). Raises Forbidden."""
    return create_key(staff, staff, TOKEN_NAME)


def check_access(key: ApiKey, tag: str, *, writes: bool) -> None:
    """Raise KeyNotAllowed unless the key's pattern allows ``tag`` (and it may write, when ``writes``)."""
    if writes and key.read_only:
        raise KeyNotAllowed("This API key is read-only.")
    if not key_tags.allows(key.tags or ALL_TAGS, tag):
        raise KeyNotAllowed(f"This API key is not allowed to use {tag}.")


def spend(key: ApiKey) -> None:
    """Count one request against the key's hourly and daily caps. Raises KeyThrottled when one is spent
    (nothing is counted then). A storage that cannot be reached counts nothing rather than refuse."""
    items = [item for item in ((RateLimitItemPerHour(key.hourly_limit) if key.hourly_limit else None),
                               (RateLimitItemPerDay(key.daily_limit) if key.daily_limit else None)) if item]
    if not items:
        return
    strategy, identity = _strategy(), ("api-key", str(key.id))
    try:
        for item in items:
            if not strategy.test(item, *identity):
                raise KeyThrottled(_wait(strategy, item, *identity),
                                   f"This API key's limit of {item.amount} requests per {item.GRANULARITY.name} "
                                   "is spent.")
        for item in items:
            strategy.hit(item, *identity)
    except KeyThrottled:
        raise
    except Exception:
        pass
