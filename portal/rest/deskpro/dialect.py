"""DeskPRO v2's way of presenting a key, its reply envelope and its error shape.

- Key: ``Authorization: key N:SECRET``. A 401 carries ``WWW-Authenticate: session,token,key realm="DeskPRO
  API"`` and the message DeskPRO gives for what was wrong with the header.
- Success: ``{"data": ..., "meta": {...}, "linked": {...}}``, all three always present, ``data`` an object or
  a list (DeskPRO's PHP SDK is typed that way).
- Error: ``{"status", "code", "message"}`` plus, for bad input, ``errors: {errors: [...], fields: {...}}``
  with nested fields for dotted paths (``message.message`` -> ``fields.message.fields.message``).
"""
import re

from flask import current_app, jsonify, make_response, request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from ...apikeys import services as apikeys
from ...apikeys.services import KeyRefused
from ...errors import Conflict, Forbidden, NotFound, Problem
from ..body import InvalidInput, InvalidJson, json_body
from ..core import Caller, Dialect
from ..paging import Paging, page_links, total_pages

GET_QUERY_BODY = "X-Deskpro-Api-Get-Query-Body"
# PHP's http_build_query (DeskPRO's PHP SDK: get('/tickets', ['ids' => [1, 2]])) writes a list as ids[0]=1&ids[1]=2,
# and forms write ids[]=1: what DeskPRO's own PHP server reads as a list. batch's get[name]=URL is left alone.
_PHP_LIST = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]{0,63})\[(\d{0,9})\]$")
CHALLENGE = 'session,token,key realm="DeskPRO API"'
MESSAGES_401 = {
    "missing": "No authentication credentials were found in your request.",
    "malformed": 'Malformed Authorization header (should be "Authorization: type value").',
    "type": 'Invalid Authorization header (type can be one of "key" or "token").',
    "token": "Invalid API Token.",
    "invalid": "Invalid API Key.",
    "credentials": "Invalid credentials.",
}
CODES = {400: "invalid_input", 401: "bad_credentials", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "request_too_large", 423: "helpdesk_offline",
         429: "rate_limits", 500: "internal_error", 503: "service_unavailable"}


class DeskPro(Dialect):
    def _header(self) -> tuple[str, str]:
        """(``key`` or ``token``, the rest of the Authorization header)."""
        header = request.headers.get("Authorization", "").strip()
        if not header:
            raise KeyRefused("missing")
        kind, _, value = header.partition(" ")
        if not value.strip():
            raise KeyRefused("malformed")
        if kind.lower() not in ("key", "token"):
            raise KeyRefused("type")
        return kind.lower(), value.strip()

    def credential(self) -> str:
        kind, value = self._header()
        if kind != "key":
            raise KeyRefused("type")
        return value

    def authenticate(self) -> Caller:
        """``key N:SECRET`` (an API key) or ``token PERSON_ID:TOKEN`` (from ``POST /api_tokens``)."""
        kind, value = self._header()
        if kind == "key":
            return super().authenticate()
        try:
            key = apikeys.authenticate_token(value, request.remote_addr or "")
        except KeyRefused:
            raise KeyRefused("token") from None
        return Caller(key, key.staff, "api_token")

    def fold_php_lists(self) -> None:
        """``ids[0]=1&ids[1]=2`` and ``ids[]=1&ids[]=2`` become ``ids=1,2``, the comma-separated list every
        DeskPRO list parameter takes (``ids``, ``include``, ``status``, ``label``...), beside any plain ``ids=``
        values; otherwise Portico would ignore the parameter and answer the whole collection."""
        kept: list[tuple[str, str]] = []
        folded: dict[str, list[tuple[int, str]]] = {}
        for name, value in request.args.items(multi=True):
            match = _PHP_LIST.match(name)
            if match is None or match.group(1) == "get":
                kept.append((name, value))
                continue
            values = folded.setdefault(match.group(1), [])
            values.append((int(match.group(2)) if match.group(2) else len(values), value))
        if not folded:
            return
        query = MultiDict(kept)
        for name, values in folded.items():
            joined = ",".join(value for _, value in sorted(values, key=lambda item: item[0]))
            query.setlist(name, [",".join(filter(None, [*query.getlist(name), joined]))])
        request.args = ImmutableMultiDict(query)  # type: ignore[misc]

    def verb(self, verbs) -> str:
        """The verb, once the query string's PHP-style lists are folded (see ``fold_php_lists``).

        ``X-Deskpro-Api-Get-Query-Body: 1`` on a POST (or a GET with a body): a read whose query is the JSON
        body (HMRC's connector searches ``/people`` that way). The body's values join the query string's; a list
        value (``{"ids": [1, 2]}``) reads as ``ids=1,2``."""
        self.fold_php_lists()
        if request.headers.get(GET_QUERY_BODY, "").strip().lower() in ("1", "true") and "GET" in verbs \
                and request.method in ("GET", "POST"):
            query = MultiDict(request.args)
            for name, value in json_body().items():
                values = value if isinstance(value, list) else [value]
                if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
                    raise InvalidInput([(str(name), "invalid_type", "A query value is a string, a number or a "
                                         "list of them.")])
                # a list is the comma-separated value every DeskPRO list parameter takes (ids, status...)
                query.setlist(str(name), [",".join(str(v) for v in values)])
            request.args = ImmutableMultiDict(query)  # type: ignore[misc]
            return "GET"
        return super().verb(verbs)

    def doc_security(self) -> dict:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`key N:SECRET` (an API key) or `token PERSON_ID:TOKEN` (from POST /api_tokens)."}

    def doc_error(self) -> dict:
        return ERROR_SCHEMA

    def doc_responses(self, route) -> dict:
        """The envelope around the route's ``data`` (a page of ``items`` for a collection): 201 for a create,
        200 or 204 for an update, 200 otherwise."""
        if "responses" in route.doc:
            return route.doc["responses"]
        if "items" in route.doc:
            return {"200": page_schema(route.doc["items"])}
        body = envelope_schema(route.doc.get("data", {"type": ["object", "array"]}))
        if route.tag.endswith(".create"):
            return {"201": body}
        if route.tag.endswith(".update"):
            return {"200": body, "204": None}
        return {"200": body}

    def error_response(self, problem: Problem, exc: BaseException):
        body = {"status": problem.status, "code": CODES.get(problem.status, "error"), "message": problem.message}
        if isinstance(exc, InvalidJson):
            body["code"] = "invalid_json_body"
        if isinstance(exc, KeyRefused):
            body["message"] = MESSAGES_401.get(exc.reason, problem.message)
            problem.headers["WWW-Authenticate"] = CHALLENGE
        if isinstance(exc, InvalidInput):
            body["errors"] = field_errors(exc.problems)
        elif problem.status == 400 and hasattr(exc, "errors") and not isinstance(exc, HTTPException):
            body["errors"] = field_errors([(f, "invalid", m) for f, m in exc.errors])
        code = getattr(exc, "deskpro_code", None)
        if code:
            body["code"] = code
        response = make_response(jsonify(body), problem.status)
        response.headers.update(problem.headers)
        return response


ERROR_SCHEMA = {"type": "object", "required": ["status", "code", "message"],
                "properties": {"status": {"type": "integer"}, "code": {"type": "string"},
                               "message": {"type": "string"}, "errors": {"type": "object"}}}


def envelope_schema(data: dict) -> dict:
    return {"type": "object", "required": ["data", "meta", "linked"],
            "properties": {"data": data, "meta": {"type": "object"}, "linked": {"type": "object"}}}


def page_schema(item: dict) -> dict:
    schema = envelope_schema({"type": "array", "items": item})
    page = {"type": "object", "required": ["total", "page", "per_page", "total_pages", "pagination"],
            "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                           "per_page": {"type": "integer"}, "total_pages": {"type": "integer"},
                           "pagination": {"type": "object", "required": ["total", "count", "per_page",
                                                                         "current_page", "total_pages"]}}}
    links = {"type": "object", "required": ["first", "prev", "next", "last", "self"]}
    schema["properties"] = {**schema["properties"], "meta": page, "links": links}
    schema["required"] = [*schema["required"], "links"]
    return schema


def field_errors(problems) -> dict:
    """DeskPRO's nested ``{errors: [...], fields: {name: {errors: [...], fields: {...}}}}``."""
    tree: dict = {"errors": [], "fields": {}}
    for path, code, message in problems:
        node = tree
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault("fields", {}).setdefault(part, {"errors": []})
        node.setdefault("errors", []).append({"code": code, "message": message})
    return tree


dialect = DeskPro("deskpro", "/api/v2")
route = dialect.route


def envelope(data, *, meta: dict | None = None, linked: dict | None = None, status: int = 200, headers=None):
    response = make_response(jsonify({"data": data, "meta": meta or {}, "linked": linked or {}}), status)
    response.headers.update(headers or {})
    return response


def collection(items: list, paging: Paging, total: int, linked: dict | None = None):
    """A page of a collection, with both styles of page meta that DeskPRO clients read, and links."""
    pages = total_pages(total, paging.per_page)
    meta = {"total": total, "page": paging.page, "per_page": paging.per_page, "total_pages": pages,
            "count": len(items),
            "pagination": {"total": total, "count": len(items), "per_page": paging.per_page,
                           "current_page": paging.page, "total_pages": pages}}
    return make_response(jsonify({"data": items, "meta": meta, "linked": linked or {},
                                  "links": page_links(paging, total)}))


def base_url() -> str:
    """The help desk's address as clients reach it (PUBLIC_URL when set), without a trailing slash."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


def location(path: str) -> str:
    return f"{base_url()}/api/v2/{path.lstrip('/')}"


def created(data: dict, path: str):
    """201, Location and the whole resource (what DeskPRO's SDKs and Zapier app read)."""
    return envelope(data, status=201, headers={"Location": location(path)})


def updated(path: str, fetch):
    """204 with Location, or 200 with the resource under ``follow_location=1`` (the Zapier app's way)."""
    if request.args.get("follow_location", "") in ("1", "true"):
        return envelope(fetch(), headers={"Location": location(path)})
    response = make_response("", 204)
    response.headers["Location"] = location(path)
    return response


def date(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S+0000") if value else None


__all__ = ["route", "envelope", "collection", "created", "updated", "date", "Conflict", "Forbidden", "NotFound"]
