"""``/batch``: several calls in one request, each answered as if it had been sent alone.

Request shapes: ``POST {"requests": {"k": ...}}`` (DeskPRO's SDKs; from the PHP SDK a list of requests arrives
as ``{"requests": [...]}`` and is answered keyed ``"0"``, ``"1"``...) or the bare map ``{"k": ...}`` (the older
documentation); an entry is a URL (a GET) or ``{method, url, payload | data, headers}``. ``GET
/batch?get[k]=URL`` is the short syntax. URLs may be relative to ``/api/v2`` (``/articles/1``), absolute
(``/api/v2/articles/1``, or a full ``https://host/api/v2/...``) or the older ``/api/tickets``.

Each entry goes through the dialect's own view for its path in this request's unit of work: its key
checks (tags, read-only, caps: each entry counts), its handler, its error envelope. An entry runs inside a
savepoint, so a failing entry leaves nothing behind while the others are kept. Every entry carries
``headers``, ``data``, ``meta`` and ``linked``, failed ones too (with ``status``, ``code``, ``message``).
"""
import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request

from ...errors import NotFound
from ...extensions import db
from ..body import InvalidInput, json_body
from ..core import VERBS
from .dialect import dialect, route

MAX_REQUESTS = 50
MAX_URL = 2000
PREFIX = "/api/v2"
_SHORT = re.compile(r"^get\[(.{1,100})\]$")


class _Refused(Exception):
    """An entry answered with an error: its savepoint is rolled back, its reply kept."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def _target(raw) -> tuple[str, str] | None:
    """(path under /api/v2, query string) for a sub-URL, or None when it is not one."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_URL:
        return None
    parts = urlsplit(raw.strip())
    path = parts.path or "/"
    if path == PREFIX or path.startswith(PREFIX + "/"):
        pass
    elif path.startswith("/api/"):  # the older documentation's /api/tickets
        path = PREFIX + path[len("/api"):]
    else:
        path = f"{PREFIX}/{path.lstrip('/')}"
    return path, parts.query


def _entries() -> dict:
    if request.method == "GET":
        entries = {}
        for name, value in request.args.items():
            match = _SHORT.match(name)
            if match:
                entries[match.group(1)] = value
    else:
        body = json_body()
        requests = body.get("requests")
        if isinstance(requests, list):  # a PHP list of requests (json_encode gives a list): keyed by position
            requests = {str(number): entry for number, entry in enumerate(requests)}
        entries = requests if isinstance(requests, dict) else body
    if not entries:
        raise InvalidInput([("requests", "required", "This value should not be blank.")])
    if len(entries) > MAX_REQUESTS:
        raise InvalidInput([("requests", "too_many", f"Send at most {MAX_REQUESTS} requests in a batch.")])
    return entries


def _spec(entry) -> tuple[str, object, str | None, dict[str, str]]:
    """(method, url, JSON body or None, headers) of one entry. Raises InvalidInput naming its field."""
    if isinstance(entry, str):
        return "GET", entry, None, {}
    if not isinstance(entry, dict):
        raise InvalidInput([("", "invalid_type", "Give a URL or {method, url, payload, headers}.")])
    method = entry.get("method", "GET")
    if not isinstance(method, str) or method.upper() not in VERBS:
        raise InvalidInput([("method", "invalid_choice", f"Use one of {', '.join(VERBS)}.")])
    payload = entry.get("payload", entry.get("data"))
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in headers.items()):
        raise InvalidInput([("headers", "invalid_type", "Headers are an object of strings.")])
    url = entry.get("url")
    return method.upper(), url, None if payload is None else json.dumps(payload), headers


def _reply(response) -> dict:
    status = response.status_code
    raw = response.get_data()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {"data": body}
    entry = {"headers": {"status-code": status, "response_code": status}}
    if response.headers.get("Location"):
        entry["headers"]["location"] = response.headers["Location"]
    entry.update((name, value) for name, value in body.items() if name != "headers")
    for name in ("data", "meta", "linked"):
        if not isinstance(entry.get(name), (dict, list)):
            entry[name] = {}
    return entry


def _run(entry, outer: dict) -> dict:
    try:
        method, url, payload, headers = _spec(entry)
        target = _target(url)
        if target is None:
            raise InvalidInput([("url", "required", "Give the URL of an API endpoint.")])
    except InvalidInput as exc:
        return _reply(dialect._failure(exc))
    path, query = target
    sent = {"Authorization": outer["authorization"]} if outer["authorization"] else {}
    sent.update(headers)
    with current_app.test_request_context(path, method=method, query_string=query, data=payload, headers=sent,
                                          base_url=outer["base_url"],
                                          environ_overrides={"REMOTE_ADDR": outer["address"]}):
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None and request.routing_exception is None else ""
        view: Any = current_app.view_functions.get(endpoint)
        if not endpoint.startswith(f"rest_{dialect.name}.") or view is outer["self"] or view is None:
            return _reply(dialect._failure(NotFound("No such API endpoint.")))
        try:
            with db.session.begin_nested():  # a failing entry leaves nothing behind
                response = current_app.make_response(view(**(request.view_args or {})))
                if response.status_code >= 400:
                    raise _Refused(response)
        except _Refused as refused:
            response = refused.response
        except Exception as exc:  # the entry's own error envelope, as if it had been sent alone
            response = dialect._failure(exc)
        return _reply(response)


@route("/batch", ("GET", "POST"), "batch.batch.run", reads=True,
       doc={"responses": {"200": {"type": "object", "required": ["responses"]}}})  # a read-only key may batch its reads
def batch(caller):
    entries = _entries()
    outer = {"authorization": request.headers.get("Authorization", ""), "base_url": request.host_url,
             "address": request.remote_addr or "", "self": current_app.view_functions.get(request.endpoint or "")}
    return current_app.response_class(json.dumps({"responses": {str(name): _run(entry, outer)
                                                                for name, entry in entries.items()}}),
                                      mimetype="application/json")
