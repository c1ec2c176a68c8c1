"""Domain errors raised by services, and the one mapping from any error to what a client is told.

Services raise these; views catch ``ValidationFailed`` to pin each reason on its form field. Anything not
caught reaches :func:`describe`, which every surface uses: the same error is the same HTTP status and
message everywhere (503 for a database that cannot be reached, 429 for limits, 413 for a body too large,
400 for validation, 500 for a bug), and each surface wraps it in its own envelope: a page or JSON for the
site (:func:`render_problem`), HelpSpot's ``<errors>`` for the API (``portal.api.dispatch``).
"""
import logging
from dataclasses import dataclass, field

from flask import g, jsonify, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from .unit_of_work import abandon

log = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Marks ``text`` for the catalogues (make translations); it is translated where a page shows it."""
    return text

# Werkzeug's own descriptions of the errors a page may show, for the catalogues.
HTTP_DESCRIPTIONS = (
    N_("The requested URL was not found on the server. If you entered the URL manually please check your "
       "spelling and try again."),
    N_("The method is not allowed for the requested URL."),
    N_("You don't have the permission to access the requested resource. It is either read-protected or not "
       "readable by the server."),
)


class PortalError(Exception):
    status = 400
    message = N_("The request could not be completed.")

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class ValidationFailed(PortalError):
    """Input that breaks a rule. ``errors`` is a list of (field, reason) pairs, in field order."""

    status = 400
    message = N_("Please correct the highlighted fields.")

    def __init__(self, errors: list[tuple[str, str]] | tuple[str, str]):
        if isinstance(errors, tuple):
            errors = [errors]
        self.errors = list(errors)
        super().__init__("; ".join(reason for _, reason in self.errors))


class NotFound(PortalError):
    status = 404
    message = N_("Not found.")


class Forbidden(PortalError):
    status = 403
    message = N_("You do not have permission to do that.")


class Conflict(PortalError):
    status = 409
    message = N_("That conflicts with the current state.")


class Merged(NotFound):
    """The request was merged into another; ``target_id`` is where it lives now."""

    def __init__(self, target_id: int):
        super().__init__("Request has been merged")
        self.target_id = target_id


UNAVAILABLE = N_("The help desk is briefly unavailable. Please try again in a moment.")
INTERNAL = N_("Something went wrong on our side. It has been logged.")


@dataclass
class Problem:
    """What a client is told about an error: the HTTP status, a message safe to show, extra headers."""
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def unavailable(self) -> bool:
        return self.status == 503


def _database_down(exc: BaseException) -> bool:
    # OperationalError: locked, unreachable, timed out. A lost connection can also surface as
    # DisconnectionError, an "invalidated" DBAPIError, a pool timeout, or a session left unusable by one.
    return isinstance(exc, (OperationalError, DisconnectionError, PoolTimeout, PendingRollbackError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)


def describe(exc: BaseException) -> Problem:
    """The one mapping from an exception to a :class:`Problem`, for every surface."""
    if _database_down(exc):
        return Problem(503, UNAVAILABLE, {"Retry-After": "30"})
    if isinstance(exc, PortalError):
        return Problem(exc.status, exc.message)
    if isinstance(exc, HTTPException):
        problem = Problem(exc.code or 500, exc.description or exc.name)
        retry_after = getattr(exc, "retry_after", None) or (exc.response.headers.get("Retry-After")
                                                            if exc.response is not None else None)
        if exc.code == 429:
            problem.headers["Retry-After"] = str(retry_after or _retry_after())
        allowed = getattr(exc, "valid_methods", None)  # a 405 says which verbs would do
        if allowed:
            problem.headers["Allow"] = ", ".join(allowed)
        return problem
    return Problem(500, INTERNAL)


def _retry_after() -> int:
    """Seconds until the limit that was hit resets (60 when no limit is in context)."""
    import math
    import time

    from .extensions import limiter

    try:
        limit = limiter.current_limit
        if limit is not None:
            return max(1, math.ceil(limit.reset_at - time.time()))
    except Exception:  # no limit in context: a sensible default
        pass
    return 60


def log_problem(exc: BaseException, problem: Problem, logger: logging.Logger = log, what: str = "request") -> None:
    """Bugs with their traceback; an unavailable database in one line (its statement's parameters may hold
    what a visitor typed); client errors not at all. Query strings are logged with their secrets redacted."""
    from .urls import redact_secrets

    if problem.unavailable:
        logger.error("database unavailable during a %s: %s", what, getattr(exc, "orig", None) or type(exc).__name__)
    elif problem.status >= 500:
        logger.error("%s failed: %s %s", what, request.method, redact_secrets(request.full_path), exc_info=exc)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/healthz") or (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str):
    """The site's envelope: JSON for JSON clients, a page otherwise."""
    if wants_json():
        return jsonify(error={"status": status, "message": message}), status
    template = f"errors/{status}.html" if status in (403, 404, 429, 500, 503) else "errors/generic.html"
    # A page is read by a person: in their language when the message is one the catalogues know (the JSON
    # above is read by programs: English).
    return render_template(template, status=status, message=gettext(message)), status


_BARE_PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Briefly unavailable</title>"
              "</head><body><h1>Briefly unavailable</h1><p>{message}</p></body></html>")


def render_problem(app, problem: Problem):
    """A problem as the site shows it. When the database is down the page must not need it: default
    settings, and a bare page if even that fails (a logged-in user is loaded from the database)."""
    from . import settings

    if problem.unavailable:
        g.portal_settings = settings.defaults()
    try:
        response = app.make_response(render_error(problem.status, problem.message))
    except Exception as exc:
        if not _database_down(exc):
            raise
        abandon()
        response = app.make_response((_BARE_PAGE.format(message=problem.message), problem.status))
    response.headers.update(problem.headers)
    return response


def init_app(app) -> None:
    @app.errorhandler(Exception)
    def any_error(exc: Exception):
        # The unit of work has rolled back before this runs (unit_of_work.Portico).
        problem = describe(exc)
        log_problem(exc, problem)
        return render_problem(app, problem)
