"""Absolute links for emails and API replies, built from PUBLIC_URL (also outside a request), and the
``int`` URL converter every ``<int:...>_id`` route uses."""
from flask import current_app, has_request_context, url_for
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
