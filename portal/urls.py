"""Absolute links for emails and API replies, built from PUBLIC_URL (also outside a request), the
``int`` URL converter every ``<int:...>_id`` route uses, and the query arguments a link may carry over."""
from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns (PostgreSQL int4)


class DatabaseId(IntegerConverter):
    """An ``<int:...>`` segment that can be a row id: a larger number matches no route (a 404) instead of
    reaching a query, where SQLite and PostgreSQL refuse it with an error (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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
