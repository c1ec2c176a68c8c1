"""HelpCenter.io v1's way of presenting a key, its envelope and its errors.

- Key: the ``apikey`` header (``N:SECRET``); missing or unknown -> 401.
- Success: ``{"status": "success", <resource or list>: ..., "meta": {page, per_page, total_pages,
  items_count}}`` (``meta`` on lists only).
- Errors: a read-only key writing -> 403 naming the blocked action; bad input on ``GET /v1/articles`` ->
  ``{"status": "validation_error", "errors": {field: [message]}}``; on POST and PATCH the bare
  ``{field: [message]}``; a language the site has not enabled -> 422 ``{"status": "error", "message"}``;
  every other error ``{"status": "error", "message"}``.
- 60 requests a minute per key (``RATELIMIT_HELPCENTER``), counted whether or not ``RATELIMIT_ENABLED``
  (it is the API's contract), then 429 with ``Retry-After``.
"""
from flask import current_app, jsonify, make_response, request
from limits import parse_many

from ...apikeys import services as apikeys
from ...apikeys.services import KeyNotAllowed, KeyRefused, KeyThrottled
from ...errors import PortalError, Problem, ValidationFailed
from ..core import Caller, Dialect, Route

DEFAULT_LIMIT = "60 per minute"
ACTIONS = {"helpcenter.articles.create": "creating articles", "helpcenter.articles.update": "updating articles",
           "helpcenter.categories.update": "updating categories"}
MESSAGES_401 = {"missing": "Unauthenticated: send your API token in the apikey header.",
                "invalid": "Unauthenticated: unknown API token."}


class LanguageNotEnabled(PortalError):
    status = 422

    def __init__(self, code: str, enabled: list[str]):
        super().__init__(f"The language {code[:10]!r} is not enabled on this site (enabled: {', '.join(enabled)}).")


class HelpCenter(Dialect):
    def credential(self) -> str:
        value = request.headers.get("apikey", "").strip()
        if not value:
            raise KeyRefused("missing")
        return value

    def admit(self, route: Route) -> Caller:
        caller = self.authenticate()
        if route.writes and caller.key.read_only:
            raise KeyNotAllowed(f"This API key is read-only: {ACTIONS.get(route.tag, 'writing')} needs a "
                                "Read & Write key.")
        apikeys.check_access(caller.key, route.tag, writes=route.writes)
        apikeys.spend(caller.key)
        _limit(caller.key)
        return caller

    def error_response(self, problem: Problem, exc: BaseException):
        body: dict | None = None
        if isinstance(exc, ValidationFailed) and problem.status == 400:
            errors: dict[str, list[str]] = {}
            for name, message in exc.errors:
                errors.setdefault(name or "body", []).append(message)
            body = {"status": "validation_error", "errors": errors} if request.method in ("GET", "HEAD") else errors
        elif isinstance(exc, KeyRefused):
            body = {"status": "error", "message": MESSAGES_401.get(exc.reason, problem.message)}
        if body is None:
            body = {"status": "error", "message": problem.message}
        if problem.status == 429:
            problem.headers.setdefault("Retry-After", str(getattr(exc, "retry_after", None) or 60))
        response = make_response(jsonify(body), problem.status)
        response.headers.update(problem.headers)
        return response


def _limit(key) -> None:
    """Count the call against the key's per-minute limit. Raises KeyThrottled when it is spent; a limit
    storage that cannot be reached counts nothing rather than refuse."""
    spec = current_app.config.get("RATELIMIT_HELPCENTER") or DEFAULT_LIMIT
    strategy, identity = apikeys._strategy(), ("helpcenter", str(key.id))
    try:
        items = parse_many(spec)
        for item in items:
            if not strategy.test(item, *identity):
                raise KeyThrottled(apikeys._wait(strategy, item, *identity),
                                   f"Too many requests: this token may make {item.amount} a minute. Wait and retry.")
        for item in items:
            strategy.hit(item, *identity)
    except KeyThrottled:
        raise
    except Exception:
        pass


def success(status: int = 200, **payload):
    return make_response(jsonify({"status": "success", **payload}), status)


def date(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000000Z") if value else None


dialect = HelpCenter("helpcenter", "/v1")
route = dialect.route
