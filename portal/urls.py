"""Absolute links for emails and API replies, built from PUBLIC_URL (also outside a request), the
``int`` URL converter every ``<int:...>_id`` route uses, ids and page numbers read from a query string or a
form, and the query arguments a link may carry over."""
import re

from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL int4)
_ASCII_NUMBER = re.compile(r"-?[0-9]{1,10}")  # not str.isdigit() or \d: both accept "²" or "١٢"
# A query parameter whose name says it carries a secret (password, sPassword, token, apikey, accesskey,
# auth...), anywhere in a text: a URL, a request line, a bare query string, a log line.
_SECRET_PARAMETER = re.compile(
    r"(^|[?&;])([^=&;?#\s\"]*(?:pass|token|key|auth|secret|signature|credential)[^=&;?#\s\"]*)=([^&;#\s\"]*)", re.I)
REDACTED = "[redacted]"


class DatabaseId(IntegerConverter):
    """An ``<int:...>`` segment that can be a row id: a larger number matches no route (a 404) instead of
    reaching a query, where SQLite and PostgreSQL refuse it with an error (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(raw, *, low: int = -MAX_ID - 1, high: int = MAX_ID) -> int | None:
    """A number typed in a form or a query string: ASCII digits within ``low``..``high`` (INTEGER range by
    default), else None. ``int()`` alone reads "١٢" as 12, refuses "²" (which ``isdigit()`` passes) with a
    ValueError, and takes numbers too large for the column or the query they reach."""
    raw = raw.strip() if isinstance(raw, str) else ""
    if not _ASCII_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def database_id(raw) -> int | None:
    """A row id from a form or a query string, or None."""
    return whole_number(raw, low=1)


def page_number(raw) -> int:
    """A page number from a query string: 1 for anything but ASCII digits, at most MAX_ID. Past the last
    page a list finds nothing (its view answers 404); MAX_ID pages of MAX_ID rows still fit an OFFSET."""
    raw = raw.strip() if isinstance(raw, str) else ""
    if not re.fullmatch(r"[0-9]+", raw):
        return 1
    return max(1, MAX_ID if len(raw) > 10 else min(int(raw), MAX_ID))


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["PUBLIC_URL"]
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)


def kept_query_arguments(endpoint: str) -> dict[str, str]:
    """The current query arguments that a link to ``endpoint`` may carry over as plain query arguments.

    Left out: ``url_for``'s own keywords (``endpoint`` and everything with a leading underscore:
    ``?_external=1`` made links absolute on whatever Host the request named, and the page cache served them
    to everyone) and the arguments of the endpoint's routes (``?slug=`` or ``?topic_id=`` given twice is a
    TypeError, a 500, or would change the path the link leads to)."""
    routed = {name for rule in current_app.url_map.iter_rules(endpoint) for name in rule.arguments}
    return {name: value for name, value in request.args.items()
            if not name.startswith("_") and name != "endpoint" and name not in routed}


def redact_secrets(text: str) -> str:
    """``text`` with the values of secret-looking query parameters replaced, for logs: API clients may send
    ``password``/``sPassword`` in the query string (HelpSpot allows it), and logs are kept and shared."""
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}{match.group(2)}={REDACTED}", text)
