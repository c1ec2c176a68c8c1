"""Security headers on every response, and rate limits on the endpoints that can be abused.

The limits live in one table keyed by endpoint name and are attached after every blueprint is
registered (``init_app`` runs last in ``create_app``), so no view module carries limiter code.
Each limit string comes from ``app.config`` (see ``LIMIT_DEFAULTS``; an environment variable of the same
name overrides the default), read on every request, so an operator can loosen one and a test can shrink one
to "2 per minute". A limit listing GET counts HEAD too. The API's writing methods spend the limit of the
portal page they stand for (``count_against``).

Counters live in Redis when REDIS_URL is set, else in a SQLite file per host (``portal.host_counters``),
never in one worker's memory only; used one-time values (form tokens, ``first_use``) are kept beside them.
"""
import io
import logging
import math
import os
import time
from functools import wraps
from pathlib import Path

from flask import abort, current_app, request
from flask.wrappers import Request
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from . import host_counters
from .extensions import limiter

log = logging.getLogger(__name__)
HOST_STORAGE_SCHEME = host_counters.SCHEME

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"

# Config key -> default limit (Flask-Limiter notation; ";" separates several windows).
LIMIT_DEFAULTS = {
    "RATELIMIT_LOGIN": "10 per minute;50 per hour",        # password guessing, staff and customers
    "RATELIMIT_ACCESS_KEY": "60 per minute;600 per hour",  # access-key and reset-token pages (guessing)
    "RATELIMIT_NEW_REQUEST": "10 per minute;100 per day",  # the public request form
    "RATELIMIT_FORUM_POST": "10 per minute;200 per day",   # new topics and replies
    "RATELIMIT_SEARCH_SUGGEST": "120 per minute",          # typed-ahead suggestions
    "RATELIMIT_FEEDBACK": "5 per minute;50 per day",       # "what was missing" on knowledge-book pages
    "RATELIMIT_API": "300 per minute",                     # every HelpSpot API call
    # Password-link mails (register, forgot): per client address here, per email in portal.accounts.services.
    "RATELIMIT_ACCOUNT_MAIL": "5 per 15 minutes;20 per day",
}

# Endpoint -> (config key, methods limited or None for all).
LIMITED_ENDPOINTS = {
    "staff.login": ("RATELIMIT_LOGIN", ("POST",)),
    "accounts.login": ("RATELIMIT_LOGIN", ("POST",)),
    "requests.lookup": ("RATELIMIT_ACCESS_KEY", ("GET", "POST")),
    "requests.check": ("RATELIMIT_ACCESS_KEY", ("GET", "POST")),
    "accounts.reset": ("RATELIMIT_ACCESS_KEY", ("GET", "POST")),  # a secret in the URL too (reset tokens)
    "accounts.register": ("RATELIMIT_ACCOUNT_MAIL", ("POST",)),  # each mails a link: no mailbox flooding
    "accounts.forgot": ("RATELIMIT_ACCOUNT_MAIL", ("POST",)),
    "requests.link": ("RATELIMIT_ACCESS_KEY", ("GET", "HEAD", "POST")),  # emailed request links (signed)
    "requests.new": ("RATELIMIT_NEW_REQUEST", ("POST",)),
    "forums.forum": ("RATELIMIT_FORUM_POST", ("POST",)),
    "forums.topic": ("RATELIMIT_FORUM_POST", ("POST",)),
    "search.suggest": ("RATELIMIT_SEARCH_SUGGEST", None),
    "deflection.suggest": ("RATELIMIT_SEARCH_SUGGEST", None),
    "deflection.answered": ("RATELIMIT_FORUM_POST", ("POST",)),
    "kb.feedback": ("RATELIMIT_FEEDBACK", ("POST",)),
}
API_PREFIX = "api."
API_LIMIT = ("RATELIMIT_API", None)


def storage_uri(app) -> str:
    """Where limits are counted: Redis when REDIS_URL is set (every host shares it), else a SQLite file in
    the instance folder, shared by the workers of this host only (said in the log at start-up)."""
    if app.config.get("REDIS_URL"):
        return app.config["REDIS_URL"]
    path = Path(app.instance_path) / "ratelimits.sqlite"
    if app.config.get("RATELIMIT_ENABLED", True):
        log.warning("REDIS_URL is not set: rate limits and used form tokens are counted per host in %s, "
                    "shared by this host's workers but not with other hosts; set REDIS_URL when several "
                    "hosts serve the help desk", path)
    return host_counters.uri_for(path)


def init_app(app) -> None:
    for key, value in LIMIT_DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(key) or value)
    # Used form tokens (spam.form_is_human) are remembered here even when limits are off.
    app.extensions["portico_once"] = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
    apply_limits(app)
    # First of all before-request hooks: refuse an oversized body on its declared length, before
    # anything (CSRF, a form parser) starts reading it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_body)
    app.before_request_funcs[None].insert(1, refuse_nul_in_path)
    app.before_request_funcs[None].insert(2, refuse_head_with_body)
    app.request_class = NulFreeRequest
    app.after_request(add_security_headers)


def refuse_oversized_body():
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)


def refuse_nul_in_path():
    # A NUL in a URL segment (an access key, a token) names nothing; it must not reach a query.
    if "\x00" in request.path:
        abort(404)


def refuse_head_with_body():
    # HEAD is read-only, and Flask-WTF checks CSRF on POST, PUT, PATCH and DELETE only; a view that runs its
    # POST branch for anything but GET would take a HEAD's form body as a post without a CSRF token.
    if request.method == "HEAD" and (request.content_length or request.headers.get("Transfer-Encoding")):
        abort(400)


class NulFreeParameters(ImmutableMultiDict):
    """Query and form values without NUL characters. No text a person types holds one, PostgreSQL cannot
    store one (a NUL reaching a query is a 500), and XML cannot carry one: dropped at the edge, once."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, dict) or hasattr(mapping, "items"):
            pairs = mapping.items(multi=True) if hasattr(mapping, "getlist") else mapping.items()
        else:
            pairs = mapping
        super().__init__([(_drop_nul(key), _drop_nul(value)) for key, value in pairs])


def _drop_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class FieldCountingParser(FormDataParser):
    """Refuses a body of more than ``max_form_parts`` fields (the ``MAX_FORM_PARTS`` setting) with a 413
    that says so. Werkzeug counts multipart parts itself but parses any number of urlencoded fields, and
    millions of them cost a worker seconds: those are counted on the raw bytes, before any parsing."""

    def _too_many(self) -> RequestEntityTooLarge:
        return RequestEntityTooLarge(f"The form is too large: at most {self.max_form_parts} fields are accepted"
                                     f" (and {self.max_form_memory_size} bytes in a field that is not a file).")

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise self._too_many()
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)

    def _parse_multipart(self, stream, mimetype, content_length, options):
        try:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        except RequestEntityTooLarge:  # too many parts or a text part too long: Werkzeug does not say which
            raise self._too_many() from None


class NulFreeRequest(Request):
    parameter_storage_class = NulFreeParameters
    form_data_parser_class = FieldCountingParser


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_seconds_until_reset())
    return response


def _seconds_until_reset() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def limit_for(endpoint: str) -> tuple[str, tuple[str, ...] | None] | None:
    """The (config key, methods) that limits an endpoint, or None when it is not limited."""
    if endpoint in LIMITED_ENDPOINTS:
        return LIMITED_ENDPOINTS[endpoint]
    if endpoint.startswith(API_PREFIX):
        return API_LIMIT
    return None


def apply_limits(app) -> list[str]:
    """Wrap every registered view that the table names with its limit; returns the endpoints wrapped."""
    wrapped = []
    for endpoint, view in list(app.view_functions.items()):
        rule = limit_for(endpoint)
        if rule is None or getattr(view, "_portico_limited", False):
            continue
        config_key, methods = rule
        app.view_functions[endpoint] = _limited(view, endpoint, config_key, methods)
        wrapped.append(endpoint)
    return wrapped


_PROVIDERS: dict[str, object] = {}


def _provider(config_key: str):
    """One function per config key, shared by every app, so re-creating the app (tests, workers)
    registers an equal limit with Flask-Limiter rather than piling up copies."""
    if config_key not in _PROVIDERS:
        def provider() -> str:
            return current_app.config.get(config_key) or LIMIT_DEFAULTS[config_key]
        _PROVIDERS[config_key] = provider
    return _PROVIDERS[config_key]


def _limited(view, endpoint: str, config_key: str, methods):
    # Flask-Limiter files a decorated limit under module + name + qualname. Two endpoints served by one
    # function would share (and mix) their limits, so each endpoint's shim gets its own __qualname__.
    # __module__ and __name__ stay the view's: Flask-WTF's csrf.exempt matches on exactly those two.
    @wraps(view)
    def shim(*args, **kwargs):
        return current_app.ensure_sync(view)(*args, **kwargs)

    shim.__qualname__ = f"{view.__qualname__}[limit:{endpoint}]"
    limited = limiter.limit(_provider(config_key), methods=_with_head(methods))(shim)
    # A marker on the function object, so apply_limits wraps a view once.
    limited._portico_limited = True  # type: ignore[attr-defined]
    return limited


def _with_head(methods) -> list[str] | None:
    # Flask answers HEAD with the GET view: a HEAD guesses an access key or reset token as well as a GET.
    if not methods:
        return None
    return list(methods) + (["HEAD"] if "GET" in methods and "HEAD" not in methods else [])


def count_against(endpoint: str) -> int | None:
    """Count one use of a page's limit for the client's address, on the page's own counter: the API's
    ``request.create`` and forum methods spend what the portal form would. Returns None, or the seconds to
    wait when the limit is reached. Relies on Flask-Limiter's key for a per-endpoint limit (its address and
    the endpoint name); tests/security/test_mail_limits.py checks that the page and the API share it."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    config_key, _ = LIMITED_ENDPOINTS[endpoint]
    identity = [part for part in (current_app.config.get("RATELIMIT_KEY_PREFIX"), get_remote_address(),
                                  endpoint) if part]
    try:
        strategy = limiter.limiter
        for item in sorted(parse_many(_provider(config_key)())):  # the order Flask-Limiter counts them in
            if not strategy.hit(item, *identity):
                reset_at = strategy.get_window_stats(item, *identity).reset_time
                return max(1, math.ceil(reset_at - time.time()))
    except Exception:  # storage down: Flask-Limiter's own fallback still limits the API call itself
        log.warning("could not count %s against %s", endpoint, config_key, exc_info=True)
    return None


_once_fallback: MemoryStorage | None = None
_once_retry_at = 0.0


def first_use(name: str, seconds: float) -> bool:
    """Whether this is the first use of a one-time value (a form token's nonce) within ``seconds``.

    Remembered in the limit storage: per host without Redis, by every host with it. While that storage is
    unreachable, in this process (as Flask-Limiter does with the limits), trying it again after a minute."""
    global _once_fallback, _once_retry_at
    key, seconds = f"portico-once/{name}", max(1, math.ceil(seconds))
    if time.monotonic() >= _once_retry_at:
        try:
            return current_app.extensions["portico_once"].incr(key, seconds) == 1
        except Exception:
            log.warning("limit storage unreachable: used form tokens are remembered in this process for a "
                        "minute", exc_info=True)
            _once_retry_at = time.monotonic() + 60
    if _once_fallback is None:
        _once_fallback = MemoryStorage()
    return _once_fallback.incr(key, seconds) == 1
