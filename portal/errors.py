"""Domain errors raised by services, and the one renderer that turns any error into HTML or JSON.

Services raise these; views catch ``ValidationFailed`` to pin each reason on its form field.
The HelpSpot API has its own envelope (``portal.api``) and registers its own handlers.
"""
import logging

from flask import g, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
_BARE_503 = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Briefly unavailable</title>"
             "</head><body><h1>Briefly unavailable</h1><p>{message}</p></body></html>")


class PortalError(Exception):
    status = 400
    message = "The request could not be completed."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class ValidationFailed(PortalError):
    """Input that breaks a rule. ``errors`` is a list of (field, reason) pairs, in field order."""

    status = 400
    message = "Please correct the highlighted fields."

    def __init__(self, errors: list[tuple[str, str]] | tuple[str, str]):
        if isinstance(errors, tuple):
            errors = [errors]
        self.errors = list(errors)
        super().__init__("; ".join(reason for _, reason in self.errors))


class NotFound(PortalError):
    status = 404
    message = "Not found."


class Forbidden(PortalError):
    status = 403
    message = "You do not have permission to do that."


class Conflict(PortalError):
    status = 409
    message = "That conflicts with the current state."


class Merged(NotFound):
    """The request was merged into another; ``target_id`` is where it lives now."""

    def __init__(self, target_id: int):
        super().__init__("Request has been merged")
        self.target_id = target_id


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/healthz") or (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(status: int, message: str):
    """The single error renderer for the HTML site: JSON for JSON clients, a page otherwise."""
    if wants_json():
        return jsonify(error={"status": status, "message": message}), status
    template = f"errors/{status}.html" if status in (403, 404, 429, 500, 503) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app):
    from . import settings
    from .extensions import db

    @app.errorhandler(PortalError)
    def portal_error(exc: PortalError):
        return render_error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = render_error(exc.code or 500, exc.description or exc.name)
        if exc.code == 429 and getattr(exc, "retry_after", None):
            resp = app.make_response(response)
            resp.headers["Retry-After"] = str(exc.retry_after)
            return resp
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        # A locked or unreachable database: nothing half-written survives the rollback.
        db.session.rollback()
        log.error("database unavailable: %s", exc)
        message = "The help desk is briefly unavailable. Please try again in a moment."
        # The page must not need the database it reports as down: default settings, and a bare page
        # if even that fails (a logged-in user is loaded from the database).
        g.portal_settings = {key: default for key, (default, _) in settings.DEFAULTS.items()}
        try:
            response = app.make_response(render_error(503, message))
        except OperationalError:
            db.session.rollback()
            response = app.make_response((_BARE_503.format(message=message), 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def internal_error(exc):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "Something went wrong on our side. It has been logged.")
