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
    """A test-only ``/_test/login/<kind>/<id>`` view. Call before the app's first request."""
    from portal.auth import load_user

    def login(kind, ident):
        login_user(load_user(f"{kind}:{ident}"))
        return "ok"

    app.add_url_rule("/_test/login/<kind>/<int:ident>", "test_login", login)
