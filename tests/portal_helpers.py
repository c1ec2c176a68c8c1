"""Helpers for the portal page tests: counting SQL statements, and logging in without the login pages
(those belong to other blueprints and may not exist on every branch)."""
from contextlib import contextmanager

from flask_login import login_user
from sqlalchemy import event

from portal.extensions import db


@contextmanager
def count_queries(app, page_cache: bool = False):
    """Collect the SQL statements run inside the block, to prove a list page does not query per row.

    The anonymous page cache (portal.pagecache) is off inside the block unless ``page_cache``: the counts
    are of rendering the page, which a cached reply skips."""
    statements: list[str] = []
    entries = app.config["PAGE_CACHE_ENTRIES"]
    if not page_cache:
        app.config["PAGE_CACHE_ENTRIES"] = 0

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        app.config["PAGE_CACHE_ENTRIES"] = entries


def add_login_route(app):
    """A test-only ``/_test/login/<kind>/<id>`` view. Call before the app's first request.

    It stands for a real login, so a customer's email counts as confirmed from then on (an
    unconfirmed customer cannot log in)."""
    from portal.accounts.models import Customer, Staff
    from portal.dates import utcnow

    def login(kind, ident):
        user = db.session.get({"staff": Staff, "customer": Customer}[kind], ident)
        if kind == "customer" and user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
            db.session.commit()
        login_user(user)
        return "ok"

    app.add_url_rule("/_test/login/<kind>/<int:ident>", "test_login", login)


def form_field(client, html: str, name: str) -> str | None:
    """A hidden field's value as the visitor's browser ends up with it: from the page, or, on a page proxies
    may share (left empty there), from the address its form-token script fetches (portal.forms)."""
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    if found and found.group(1):
        return found.group(1)
    fetch = re.search(r'data-form-token="([^"]+)"', html)
    return client.get(fetch.group(1)).get_json().get(name) if fetch else None
