"""One request, one unit of work: committed once after a reply below 400, rolled back otherwise; no other
commit or rollback in the code."""
import ast
from pathlib import Path

import pytest
from flask import jsonify
from sqlalchemy.exc import OperationalError

from portal import unit_of_work
from portal.extensions import db
from portal.requests.models import Request
from portal.requests.services import RequestInput, create_request

ROOT = Path(__file__).resolve().parent.parent


DATABASE_WORDS = ("session", "conn", "transaction", "engine", "db")  # not a search index writer's commit()


def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("commit", "rollback") \
                and any(word in ast.unparse(node.func.value).lower() for word in DATABASE_WORDS):
            yield node.lineno, node.func.attr


def test_no_commit_or_rollback_outside_the_unit_of_work():
    allowed = {ROOT / "portal" / "unit_of_work.py"}
    found = [f"{path.relative_to(ROOT)}:{line}: {name}()"
             for path in sorted((ROOT / "portal").rglob("*.py")) if path not in allowed
             for line, name in _calls(path)]
    assert not found, "commit/rollback outside portal/unit_of_work.py:\n" + "\n".join(found)


def test_the_scan_finds_a_commit(tmp_path):
    """The scan above would see one (a test that cannot fail proves nothing)."""
    sample = tmp_path / "view.py"
    sample.write_text("def view():\n    db.session.commit()\n    session.rollback()\n    writer.commit()\n"
                      "    connection.commit()\n")
    assert list(_calls(sample)) == [(2, "commit"), (3, "rollback"), (5, "commit")]


def _count():
    return db.session.scalar(db.select(db.func.count(Request.id)))


def _route(app, rule, reply):
    def view():
        create_request(RequestInput(note="Printer on fire", email="pat@example.com"), check_spam=False)
        return reply()
    app.add_url_rule(rule, endpoint=rule, view_func=view, methods=["POST"])


@pytest.mark.parametrize("reply, kept", [
    (lambda: jsonify(ok=True), True),
    (lambda: ("created", 201), True),
    (lambda: ("moved", 302, {"Location": "/"}), True),
    (lambda: ("no", 400), False),
    (lambda: ("gone", 404), False),
    (lambda: ("fails", 500), False),
])
def test_a_reply_below_400_commits_and_an_error_reply_rolls_back(app, reply, kept):
    _route(app, "/_uow", reply)
    assert app.test_client().post("/_uow").status_code >= 200
    with app.app_context():
        assert _count() == (1 if kept else 0)


def test_an_exception_rolls_back_and_answers_500(app):
    def boom():
        raise RuntimeError("after the write")
    _route(app, "/_uow", boom)
    response = app.test_client().post("/_uow", headers={"Accept": "text/html"})
    assert response.status_code == 500
    with app.app_context():
        assert _count() == 0


def test_keep_commits_an_error_reply(app):
    def refused():
        unit_of_work.keep("the failure is on record")
        return "refused", 429
    _route(app, "/_uow", refused)
    assert app.test_client().post("/_uow").status_code == 429
    with app.app_context():
        assert _count() == 1


def test_a_failing_commit_is_answered_like_a_failing_view(app, monkeypatch):
    """The database goes away between the view and the commit: 503 (not the view's 200), nothing kept."""
    _route(app, "/_uow", lambda: jsonify(ok=True))

    def unreachable(status):
        db.session.rollback()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(unit_of_work, "finish", unreachable)
    page = app.test_client().post("/_uow", headers={"Accept": "text/html"})
    assert page.status_code == 503 and b"Briefly unavailable" in page.data
    with app.app_context():
        assert _count() == 0
    api = app.test_client().get("/api/index.php?method=request.getCategories&output=json")
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.get_json()["error"][0]["id"] == 503


def test_cli_command_commits_when_it_returns_and_not_when_it_fails(app):
    import click

    @click.command("add-request")
    @click.option("--fail", is_flag=True)
    @unit_of_work.command
    def add(fail):
        create_request(RequestInput(note="From the CLI", email="cli@example.com"), check_spam=False)
        if fail:
            raise click.ClickException("refused")

    app.cli.add_command(add)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["add-request", "--fail"]).exit_code == 1
    with app.app_context():
        assert _count() == 0
    assert runner.invoke(args=["add-request"]).exit_code == 0
    with app.app_context():
        assert _count() == 1


def test_separate_commits_on_its_own_session(app):
    with app.app_context():
        with unit_of_work.separate("a test") as session:
            session.add(Request(email="own@example.com", title="Own", password="abcdefgh"))
        db.session.rollback()  # the request's own session rolling back does not undo it
        assert _count() == 1
