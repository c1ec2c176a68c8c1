"""A dialect's routes and the one view that serves them: verb, key, tags, caps, then the handler.

Every path of a dialect is one Flask rule answering every verb, so a wrong verb is the dialect's own 405
(with ``Allow``), and a catch-all answers unknown paths with its 404: nothing under a dialect's prefix ever
falls through to the portal's HTML pages or the HelpSpot API's envelope.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, g, request
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import IntegerConverter

from .. import settings
from ..apikeys import services as apikeys
from ..errors import PortalError, Problem, describe, log_problem
from ..extensions import csrf
from ..urls import MAX_ID

log = logging.getLogger(__name__)
VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
READS = ("GET", "HEAD", "OPTIONS")


class AnyWholeNumber(IntegerConverter):
    """``<int:...>`` in a dialect's paths: any run of digits matches, and the view answers one past the
    columns' range with the dialect's 404. (The app's ``int`` refuses it while matching, and Werkzeug then
    does not go back to try the dialect's catch-all: the 404 would be the portal's, not the dialect's.)"""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Offline(PortalError):
    """The ``maintenance_mode`` setting is on: every REST call, public ones too, is answered 423."""

    status = 423
    message = "The help desk is offline for maintenance. Please try again later."


@dataclass(frozen=True)
class Route:
    path: str
    verb: str
    tag: str                  # the endpoint tag a key's pattern allows or denies, e.g. tickets.tickets.list
    handler: Callable
    public: bool = False      # answered without a key (a key sent anyway is ignored)
    reads: bool = False       # counts as a read whatever its verb (a batch: each of its entries is checked)
    # What the OpenAPI document says beyond the dialect's defaults (portal.rest.openapi): ``data`` / ``items``
    # (the resource's JSON schema), ``body`` (the request body's), ``responses`` (replaces the defaults).
    doc: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def writes(self) -> bool:
        return self.verb not in READS and not self.reads


@dataclass
class Caller:
    """Who a call acts as: the key and its staff member (None on a public route)."""
    key: Any = None
    staff: Any = None
    auth_method: str = "api_key"


@dataclass
class Dialect:
    """One REST dialect: a URL prefix, its routes, how it reads a key and how it answers an error.

    Subclasses implement ``credential`` (the key string a request presents; raise KeyRefused with a reason
    for a missing or malformed header) and ``error_response`` (a Problem and the exception, in the dialect's
    envelope)."""
    name: str
    prefix: str
    routes: dict[str, dict[str, Route]] = field(default_factory=dict)

    def route(self, path: str, verbs: str | tuple[str, ...], tag: str, *, public: bool = False,
              reads: bool = False, doc: dict | None = None):
        """Register ``handler(caller, **path_values)`` for ``path`` and each of ``verbs``; the route is in the
        OpenAPI document from then on (``doc`` adds its schemas)."""
        def register(handler):
            for verb in (verbs,) if isinstance(verbs, str) else verbs:
                self.routes.setdefault(path, {})[verb] = Route(path, verb, tag, handler, public, reads, doc or {})
            return handler
        return register

    # --- overridden by each dialect ---
    def credential(self) -> str:
        raise NotImplementedError

    def authenticate(self) -> Caller:
        """The caller a request's credential names (a dialect with other kinds of credential overrides it)."""
        key = apikeys.authenticate(self.credential(), request.remote_addr or "")
        return Caller(key, key.staff)

    def error_response(self, problem: Problem, exc: BaseException):
        raise NotImplementedError

    def verb(self, verbs: dict[str, Route]) -> str:
        """The verb a request is answered as (a dialect may read a request as another verb)."""
        return "GET" if request.method == "HEAD" and "HEAD" not in verbs else request.method

    # --- what the OpenAPI document says about the dialect (portal.rest.openapi) ---
    # A new dialect is described by these defaults until it says more.
    def doc_security(self) -> dict:
        """The OpenAPI security scheme of the dialect's keys."""
        return {"type": "apiKey", "in": "header", "name": "Authorization"}

    def doc_error(self) -> dict:
        """The JSON schema of the dialect's error body."""
        return {"type": "object"}

    def doc_responses(self, route: Route) -> dict[str, dict | None]:
        """Success status -> JSON schema of the body (None: no body) for ``route``."""
        return {"200": route.doc.get("data", {"type": ["object", "array"]})}

    # --- the machinery ---
    def register(self, app: Flask) -> Blueprint:
        bp = Blueprint(f"rest_{self.name}", __name__, url_prefix=self.prefix)
        csrf.exempt(bp)  # keys come in a header, never with a session cookie
        app.url_map.converters.setdefault("rest_int", AnyWholeNumber)
        for number, path in enumerate(self.routes):
            bp.add_url_rule(path.replace("<int:", "<rest_int:"), f"r{number}", self._view(path), methods=VERBS,
                            strict_slashes=False)
        bp.add_url_rule("/", "unknown_root", self._unknown, methods=VERBS, strict_slashes=False)
        bp.add_url_rule("/<path:rest>", "unknown", self._unknown, methods=VERBS)
        bp.register_error_handler(Exception, self._failure)
        app.register_blueprint(bp)
        return bp

    def _unknown(self, rest: str = ""):
        raise RouteNotFound("No such API endpoint.")

    def _view(self, path: str):
        def view(**values):
            if any(isinstance(value, int) and value > MAX_ID for value in values.values()):
                raise RouteNotFound("No such API endpoint.")
            verbs = self.routes[path]
            route = verbs.get(self.verb(verbs))
            if settings.get("maintenance_mode"):
                raise Offline()
            if route is None:
                raise MethodNotAllowed(valid_methods=sorted(set(verbs) | ({"HEAD"} if "GET" in verbs else set())))
            return route.handler(self.admit(route), **values)
        view.__name__ = f"rest_{self.name}_{path}".replace(".", "_")  # Flask refuses dots in view names
        return view

    def admit(self, route: Route) -> Caller:
        """The caller of ``route``: key checked (401), allowed (403), within its caps (429)."""
        if route.public:
            return Caller()
        caller = self.authenticate()
        apikeys.check_access(caller.key, route.tag, writes=route.writes)
        apikeys.spend(caller.key)
        g.rest_caller = caller
        return caller

    def _failure(self, exc: Exception):
        # The unit of work has already rolled back (portal.unit_of_work); a failed key check is counted
        # in the limit storage, not the database, so nothing needs keeping.
        problem = describe(exc)
        retry_after = getattr(exc, "retry_after", None)  # a key's caps, failed key checks, failed logins
        if problem.status == 429 and isinstance(retry_after, int):
            problem.headers["Retry-After"] = str(retry_after)
        log_problem(exc, problem, log, f"{self.name} API call")
        return self.error_response(problem, exc)
