"""One request, one unit of work: the only place that commits or rolls back the app's session.

Views, API methods, services and CLI commands never commit. A request's writes are committed once, after the
view (or API method) has returned a response below 400 and the ``after_request`` hooks have run; an error
response or any exception rolls them all back, so a view cannot lose a write by forgetting a commit, nor
leave half of one behind by failing halfway (Indico's ``RH`` class works the same way).

Three ways out of the rule, each saying why where it is used:

- :func:`keep` ``(reason)``: commit even though the response is an error (a failed login is recorded so that
  throttling spans requests, then answered 401/429).
- :func:`abandon`: roll back now, before rendering an error page that must read the database afresh.
- :func:`separate` ``(reason)``: a short transaction of its own, on its own session, outside the request
  (a history line written by the mail thread after the request is over).

CLI commands are wrapped by :func:`command`: committed when the command returns, rolled back when it raises.
The change feed (portal.changes) hears of every commit and every rollback made here.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from .extensions import db

_KEEP = "unit_of_work_keep"


class Portico(Flask):
    """The app class: settles each request's unit of work, and remembers the links it built."""

    URLS_KEPT = 50_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple, str] = {}

    def url_for(self, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values) -> str:
        """Flask's ``url_for``, with the paths it built in a request remembered: a page builds 15 to 100
        links (~0.02 ms each, a tenth of a KB page's rendering) and the same ones on every render. A path
        depends only on the endpoint, the values and the script root (no URL defaults are registered);
        external URLs, and anything unhashable, are built every time."""
        if _external or _scheme is not None or not has_request_context():
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        try:
            key = (request.script_root, request.blueprint if endpoint[:1] == "." else None, endpoint, _anchor,
                   _method, *sorted((name, type(value), value) for name, value in values.items()))
            built = self._urls.get(key)
        except TypeError:  # a list of values for a query argument
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        if built is None:
            built = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
            if len(self._urls) >= self.URLS_KEPT:
                self._urls.clear()
            self._urls[key] = built
        return built

    def full_dispatch_request(self):
        response = super().full_dispatch_request()
        try:
            finish(response.status_code)
        except Exception as exc:  # the commit itself failed (database gone, a constraint): the same
            # handlers as a failing view answer it (503, 500...), never the reply that assumed success
            response = self.finalize_request(self.handle_user_exception(exc))
        return response

    def handle_user_exception(self, e):
        # Before any error handler renders: the session may be unusable after a failed statement, and
        # the error page must not show (or later commit) half of what the request wrote.
        _settle_failure()
        return super().handle_user_exception(e)

    def handle_exception(self, e):
        _settle_failure()
        return super().handle_exception(e)


def finish(status: int) -> None:
    """Commit the request's writes when the reply is not an error (or :func:`keep` was called), else drop them."""
    session = db.session()
    if status < 400 or _kept():
        if session.in_transaction():
            session.commit()
    else:
        session.rollback()


def _settle_failure() -> None:
    if _kept():
        try:
            db.session.commit()
            return
        except Exception:  # the failure being handled may be the database itself: keep what can be kept
            pass
    db.session.rollback()


def keep(reason: str) -> None:
    """Commit this request's writes even if it ends in an error response. ``reason`` is for the reader."""
    if has_request_context():
        setattr(g, _KEEP, reason)


def _kept() -> bool:
    return has_request_context() and bool(g.get(_KEEP))


def abandon() -> None:
    """Roll back everything this unit of work wrote so far, and forget a :func:`keep`."""
    db.session.rollback()
    if has_request_context():
        g.pop(_KEEP, None)


@contextmanager
def separate(reason: str) -> Iterator[Session]:
    """A transaction of its own on a new session of the app (in an app context), committed when the block
    ends without error, rolled back when it raises. For work outside any request's unit of work (``reason``
    says why). Its commit reaches the change feed like any other."""
    session: Session = db.session.session_factory()
    with session, session.begin():
        yield session


@contextmanager
def task(reason: str) -> Iterator[None]:
    """One unit of work on the app's session outside any request, for a loop that commits piece by piece
    (the worker reads each inbound mail in one): committed when the block ends without error, rolled back
    when it raises. ``reason`` is for the reader."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def command(fn):
    """A CLI command run in the app context as one unit of work: committed when it returns, rolled back
    when it raises (a ``click.ClickException`` included)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result
    return with_appcontext(wrapper)
