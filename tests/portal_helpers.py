"""Helpers for the portal page tests: counting SQL statements, and logging in without the login pages
(those belong to other blueprints and may not exist on every branch)."""
from contextlib import contextmanager

from flask_login import login_user
from sqlalchemy import event

from portal.extensions import db


@contextmanager
def count_queries(app):
    """Collect the SQL statements run inside the block, to prove a list page does not query per row."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_login_route(app):
    """A test-only ``/_test/login/<kind>/<id>`` view. Call before the app's first request."""
    from portal.auth import load_user

    def login(kind, ident):
        login_user(load_user(f"{kind}:{ident}"))
        return "ok"

    app.add_url_rule("/_test/login/<kind>/<int:ident>", "test_login", login)
