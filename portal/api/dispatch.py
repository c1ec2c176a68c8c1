"""The HelpSpot-compatible web-service API at /api/index.php: one route, the gates, the reply envelope.

Order of the gates, as in HelpSpot: the public/private switch, private authentication, the method name,
the required parameters; the method runs only when none of them recorded an error. Every reply carries
``X-HelpSpot-API: 2.0``; errors come back as ``<errors><error><id/><description/></error></errors>``.

Every reply under /api, whatever produced it (a method, an error handler, an unknown path or verb), is
data, never a page: ``API_HEADERS`` forbid a browser to sniff it, run anything in it or treat it as the
portal's origin, so a link to the API that echoes what a caller typed cannot act for whoever clicks it.
"""
import logging

from flask import Blueprint, make_response, request
from werkzeug.exceptions import HTTPException

from .. import pagecache, settings
from ..errors import Forbidden, describe, log_problem
from ..extensions import csrf
from ..unit_of_work import abandon, keep
from .auth import authenticate
from .errors import ApiError, envelope, error
from .output import CONTENT_TYPES, pick_format, render
from .registry import Params, lookup

log = logging.getLogger(__name__)
API_PREFIX = "/api"
bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
csrf.exempt(bp)  # API clients authenticate by header or parameters, never by a session cookie

ANY_VERB = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "X-HelpSpot-API": "2.0",
}


def call_params() -> dict[str, str]:
    """Every parameter from the query string, then the urlencoded or multipart body (the body wins).
    A multipart file part is read as text, so ``-F File1_bFileBody=@body.b64`` works too."""
    values = {key: request.args[key] for key in request.args}
    values.update({key: request.form[key] for key in request.form})
    for key in request.files:
        values[key] = request.files[key].read().decode("utf-8", "replace")
    return values


def _output_format() -> str:
    try:
        return pick_format(request.values.get("output"))
    except Exception:  # an unreadable body (too large, malformed): answer in the default format
        return pick_format(request.args.get("output"))


def reply(fmt: str, root: str, data, status: int = 200, headers: dict | None = None):
    body, content_type = render(fmt, root, data)
    response = make_response(body, status)
    response.headers["Content-Type"] = content_type
    response.headers.update(headers or {})
    return response


def error_reply(fmt: str, errors: list[dict], status: int = 400, headers: dict | None = None):
    return reply(fmt, "errors", envelope(errors), status, headers)


def not_enabled(fmt: str, text: str):
    """HelpSpot's exact "not enabled" bodies (reference 1.1): no newline after the XML declaration.
    The content type is the format's own (HelpSpot sent text/javascript and text/html)."""
    body = {"xml": f'<?xml version="1.0" encoding="UTF-8"?><reply>{text}</reply>',
            "json": f'{{"reply":"{text}"}}', "php": f's:{len(text)}:"{text}";'}[fmt]
    response = make_response(body, 400)
    response.headers["Content-Type"] = CONTENT_TYPES[fmt]
    return response


@bp.route("/index.php", methods=ANY_VERB)
@bp.route("/", methods=ANY_VERB)
@bp.route("", methods=ANY_VERB, strict_slashes=False)
def endpoint():
    values = call_params()
    fmt = pick_format(values.get("output"))
    name = (values.get("method") or "").strip()
    private = name.startswith("private")
    if not settings.get("private_api" if private else "public_api"):
        return not_enabled(fmt, "Private API not enabled" if private else "Public API not enabled")
    errors, status, headers, staff = [], 400, {}, None
    if private:
        try:
            staff = authenticate(values)
        except ApiError as exc:
            _finish(exc.keep)
            errors, status, headers = list(exc.errors), exc.status, exc.headers
    method = lookup(name)
    if method is None:
        errors.append(error(201))
    if errors:
        return error_reply(fmt, errors, status, headers)
    params = Params(values, staff)
    missing = params.missing(method.required)
    if missing:
        errors = [error(101, name) for name in missing]
        return error_reply(fmt, errors + ([error(method.on_missing)] if method.on_missing else []))
    cached = method.cache(params) if method.cache and not private and pagecache.eligible(api=True) else None
    if cached is not None:
        scopes, vary = cached
        # Only what the method reads: a stray parameter must not make every call run again.
        declared = tuple((param, values.get(param)) for param in method.required + method.optional)
        key = ("api", name, fmt, declared, vary)
        return pagecache.serve(key, scopes, lambda: _call(method, params, fmt))
    return _call(method, params, fmt)


def _call(method, params: Params, fmt: str):
    try:
        data = method.func(params)
    except ApiError as exc:
        _finish(exc.keep)
        return error_reply(fmt, exc.errors, exc.status, exc.headers)
    except Forbidden as exc:
        abandon()
        return error_reply(fmt, [error(2, exc.message)], 403)
    return reply(fmt, method.root, data)


def _finish(kept: bool) -> None:
    """An API error: its writes are dropped, unless the error is itself on record (a failed login)."""
    if kept:
        keep("the API error is on record (a failed login counts toward throttling)")
    else:
        abandon()


@bp.route("/status")
def status():
    """Health check: ``<reply>ok</reply>``, or the "not enabled" text (still HTTP 200) when the public API is off."""
    text = "ok" if settings.get("public_api") else "Public API not enabled"
    response = make_response(f'<?xml version="1.0" encoding="UTF-8"?><reply>{text}</reply>', 200)
    response.headers["Content-Type"] = "text/xml"
    return response


def _is_api_path() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


@bp.before_app_request
def unrouted_call():
    """An unknown path or verb under /api fails in routing, before any blueprint handler could answer:
    answer it here, in the API's envelope, instead of with the portal's HTML error page."""
    failure = request.routing_exception
    if isinstance(failure, HTTPException) and (failure.code or 500) >= 400 and _is_api_path():
        return api_error(failure)
    return None


@bp.after_app_request
def api_headers(response):
    # Assigned, not set by default: the site's own headers (portal.security) were added first, and its
    # page policy (script-src 'self') would let a same-origin script run in an echoed reply.
    if _is_api_path():
        response.headers.update(API_HEADERS)
    return response


# HelpSpot's error ids for what describe() maps to these statuses; any other status keeps its own number.
_ERROR_IDS = {429: 429, 500: 500, 503: 503}


@bp.errorhandler(Exception)
def api_error(exc: Exception):
    """Every failure under /api, in the API's envelope, with the status and headers the site would use
    (errors.describe): 503 for the database, 429 for limits, 413, 400... The unit of work has rolled back."""
    problem = describe(exc)
    log_problem(exc, problem, log, "API call")
    code = problem.status
    entry = error(_ERROR_IDS[code]) if code in _ERROR_IDS else {"id": code, "description": problem.message}
    return error_reply(_output_format(), [entry], code, problem.headers)
