"""HappyFox API 1.1's way of presenting a key, reading bodies, and answering errors.

- Key: HTTP Basic, the key's ``N`` as user ("API key") and its ``SECRET`` as password ("auth code"); a 401
  carries ``WWW-Authenticate: Basic realm="Basic"``.
- Paths answer with and without their trailing slash (the core's rules never redirect).
- Bodies: JSON (whatever the Content-Type), form-urlencoded or multipart; files in ``attachments``.
- Errors under ``error``: bad fields as ``[{"field", "errors": [...]}]``, anything else a message.
- Throttling: separate read and write limits per key (``RATELIMIT_HAPPYFOX_READ``, ``RATELIMIT_HAPPYFOX_WRITE``)
  besides the key's own caps, counted whether or not ``RATELIMIT_ENABLED`` (they are the key's contract);
  429 (or ``HAPPYFOX_THROTTLE_STATUS``, the seed's 503) with ``Retry-After`` and ``Throttled, wait N seconds.``
"""
import json
from datetime import datetime

from flask import current_app, jsonify, make_response, request
from limits import parse_many

from ...apikeys import services as apikeys
from ...apikeys.services import KeyRefused, KeyThrottled
from ...errors import Problem, ValidationFailed
from ...files import Upload
from ...requests.forms import uploads_from
from ..body import InvalidInput, InvalidJson, _no_constant
from ..core import Caller, Dialect, Route

CHALLENGE = 'Basic realm="Basic"'
MESSAGES_401 = {"missing": "Authentication required: HTTP Basic with the API key and auth code.",
                "invalid": "Authentication failed: unknown API key or wrong auth code."}
DEFAULT_LIMITS = {"RATELIMIT_HAPPYFOX_READ": "500 per minute", "RATELIMIT_HAPPYFOX_WRITE": "300 per minute"}
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


class HappyFox(Dialect):
    def credential(self) -> str:
        auth = request.authorization
        if auth is None or auth.type != "basic" or not auth.username:
            raise KeyRefused("missing")
        return f"{auth.username}:{auth.password or ''}"

    def admit(self, route: Route) -> Caller:
        caller = super().admit(route)
        _limit(caller.key, writes=route.writes)
        return caller

    def error_response(self, problem: Problem, exc: BaseException):
        status = problem.status
        body: dict = {"error": problem.message}
        if isinstance(exc, KeyRefused):
            body["error"] = MESSAGES_401.get(exc.reason, problem.message)
            problem.headers["WWW-Authenticate"] = CHALLENGE
        elif isinstance(exc, InvalidJson):
            body["error"] = "Invalid JSON body."
        elif isinstance(exc, InvalidInput):
            body["error"] = field_errors(exc.problems)
        elif isinstance(exc, ValidationFailed):
            body["error"] = field_errors([(f, "invalid", m) for f, m in exc.errors])
        if status == 429:
            wait = problem.headers.get("Retry-After") or str(getattr(exc, "retry_after", "") or 60)
            problem.headers["Retry-After"] = wait
            body["error"] = f"Throttled, wait {wait} seconds."
            status = int(current_app.config.get("HAPPYFOX_THROTTLE_STATUS") or 429)
        response = make_response(jsonify(body), status)
        response.headers.update(problem.headers)
        return response


def field_errors(problems) -> list[dict]:
    """HappyFox's ``[{"field": name, "errors": [message, ...]}]``, one entry per field in order."""
    by_field: dict[str, list[str]] = {}
    for path, _code, message in problems:
        by_field.setdefault(path or "non_field_errors", []).append(message)
    return [{"field": name, "errors": messages} for name, messages in by_field.items()]


def _limit(key, *, writes: bool) -> None:
    """Count the call against the key's read or write limit. Raises KeyThrottled when it is spent; a limit
    storage that cannot be reached counts nothing rather than refuse."""
    name = "RATELIMIT_HAPPYFOX_WRITE" if writes else "RATELIMIT_HAPPYFOX_READ"
    spec = current_app.config.get(name) or DEFAULT_LIMITS[name]
    strategy = apikeys._strategy()
    identity = ("happyfox", "write" if writes else "read", str(key.id))
    try:
        items = parse_many(spec)
        for item in items:
            if not strategy.test(item, *identity):
                raise KeyThrottled(apikeys._wait(strategy, item, *identity))
        for item in items:
            strategy.hit(item, *identity)
    except KeyThrottled:
        raise
    except Exception:
        pass


def body_values() -> dict | list:
    """The body as a dict (JSON object, form fields: a field sent more than once is a list) or, for a JSON
    array, a list. Raises InvalidJson, or InvalidInput for a JSON value that is neither."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {name: (values if len(values) > 1 else values[0])
                for name, values in request.form.lists()}
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise InvalidJson() from None
    if not isinstance(value, (dict, list)):
        raise InvalidInput([("", "invalid_type", "The body must be a JSON object or a list of them.")])
    return value


def listish(value):
    """A list sent in a form as JSON text (``'["a", "b"]'``: the hfox CLI's multipart bodies) read back as a
    list; any other value as it is."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            decoded = json.loads(value, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return value
        return decoded if isinstance(decoded, list) else value
    return value


def no_files() -> None:
    """Refuse files on a write that keeps none (they would be silently dropped)."""
    if request.mimetype == "multipart/form-data" and any(f.filename for f in request.files.values()):
        raise InvalidInput([("attachments", "not_supported", "This call takes no files.")])


def uploads() -> list[Upload]:
    """Files sent in ``attachments`` (multipart)."""
    if request.mimetype != "multipart/form-data":
        return []
    return uploads_from(request.files, "attachments")


def whole_number(name: str, fallback: int, high: int, problems: list) -> int:
    """A query parameter that is a whole number from 1 to ``high``; a problem is added otherwise."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return fallback
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= high:
        return int(raw)
    problems.append((name, "out_of_range", f"Ensure this value is a whole number between 1 and {high}."))
    return fallback


def paged(query, page: int, size: int, render) -> dict:
    """``{"page_info": {...}, "data": [...]}`` for one page of ``query`` (a select of rows); ``render`` turns
    the page's rows into the data list."""
    from ...extensions import db

    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.execute(query.offset((page - 1) * size).limit(size)).scalars())
    start = (page - 1) * size + 1 if rows else 0
    return {"page_info": {"count": total, "page_count": max(1, -(-total // size)), "start_index": start,
                          "end_index": start + len(rows) - 1 if rows else 0, "last_index": total},
            "data": render(rows)}


def timestamp(value: datetime | None) -> str | None:
    return value.strftime(TIMESTAMP) if value else None


dialect = HappyFox("happyfox", "/api/1.1/json")
route = dialect.route
