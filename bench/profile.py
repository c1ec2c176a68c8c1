"""``python -m bench.profile [--size large] [--db FILE] [--repeat 50]``: each benchmark target served
in-process (Flask's test client, no HTTP, no gunicorn) with its statements counted and timed.

Where ``python -m bench`` says how fast a page is, this says why: milliseconds per request, statements per
request and the slowest statements with their time, so a page that grows with the corpus shows up as a
query. The logged-in rows (a customer's and a staff member's pages) are profiled too, each on a test client
that logged in through the login form. ``--db`` keeps the SQLite corpus between runs (built when the file does not exist yet);
``--explain`` prints each slow statement's plan (SQLite ``EXPLAIN QUERY PLAN`` or PostgreSQL ``EXPLAIN ANALYZE``)."""
import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event


def _app(url: str, workdir: Path):
    os.environ.setdefault("INSTANCE_PATH", str(workdir))
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                       "SEARCH_INDEX_DIR": str(workdir / "search-index"), "RATELIMIT_ENABLED": False,
                       "MAIL_SERVER": ""})


def main(argv=None) -> int:
    from .__main__ import Target, portal_targets
    from .corpus import build
    from .crowd import crowd_targets

    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--db", help="SQLite file to keep the corpus in (built if missing)")
    parser.add_argument("--postgres", metavar="URL",
                        help="profile on this PostgreSQL database instead (built when it has no tables; the corpus's "
                             "ids are kept beside --db's name, default /tmp/portico-profile-postgres.corpus)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", help="comma-separated substrings of target names")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--pyinstrument", action="store_true",
                        help="also print where the Python time goes (pyinstrument, when installed)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="portico-profile-"))
    if args.postgres:
        from sqlalchemy import create_engine, inspect

        path = Path(args.db or "/tmp/portico-profile-postgres.db")
        url = args.postgres
        engine = create_engine(url)
        fresh = not inspect(engine).has_table("page")
        engine.dispose()
    else:
        path = Path(args.db) if args.db else workdir / "profile.db"
        fresh = not path.exists()
        url = f"sqlite:///{path}"
    app = _app(url, workdir)
    if fresh:
        corpus = build(app, args.size)
        (path.with_suffix(".corpus")).write_text(repr(corpus.__dict__))
    else:
        from .corpus import Corpus
        corpus = Corpus(**eval(path.with_suffix(".corpus").read_text()))  # our own file, written above
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[tuple[str, float]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        began = conn.info["t0"].pop()
        statements.append((statement, (time.perf_counter() - began) * 1000, parameters))

    anonymous = app.test_client()
    only = [s.strip() for s in (args.only or "").split(",") if s.strip()]
    # kb.getPage is a cold-bench row (bench/crowd.py), not a one-URL one: profiled here on the corpus's page.
    get_page = Target("API kb.getPage (XML)", f"/api/index.php?method=kb.getPage&xPage={corpus.kb_page[0]}")
    logged_in = [t for t in crowd_targets(corpus) if t.group == "logged-in"]
    for target in [*portal_targets(corpus), get_page, *logged_in]:
        if only and not any(s in target.name for s in only):
            continue
        client = _logged_in_client(app, corpus, target.name) if target.login else anonymous
        kwargs = {"data": target.body, "content_type": "application/x-www-form-urlencoded"} if target.body else {}
        response = client.open(target.path, method=target.method, **kwargs)
        times, per_statement, parameters_of = [], defaultdict(list), {}
        counts = []
        for _ in range(args.repeat):
            statements.clear()
            began = time.perf_counter()
            response = client.open(target.path, method=target.method, **kwargs)
            times.append((time.perf_counter() - began) * 1000)
            counts.append(len(statements))
            for statement, ms, parameters in statements:
                per_statement[statement].append(ms)
                parameters_of[statement] = parameters
        if args.pyinstrument:
            _call_profile(client, target, kwargs, args.repeat)
        sql_ms = sum(sum(v) for v in per_statement.values()) / args.repeat
        print(f"\n{target.name}: HTTP {response.status_code}, median {statistics.median(times):.2f} ms, "
              f"{statistics.mean(counts):.1f} statements ({sql_ms:.2f} ms in SQL)")
        slowest = sorted(per_statement.items(), key=lambda kv: -sum(kv[1]))[:6]
        for statement, ms in slowest:
            flat = " ".join(statement.split())
            print(f"  {sum(ms) / args.repeat:7.2f} ms x{len(ms) / args.repeat:.0f}  {flat[:220]}")
            if args.explain and flat.upper().startswith("SELECT") and sum(ms) / args.repeat > 0.5:
                statements.clear()
                _explain(app, statement, parameters_of[statement])
    return 0


def _logged_in_client(app, corpus, target_name: str):
    """A test client logged in as the corpus's agent (the staff rows) or customer (the others), through the
    login form as the bench's clients do (bench.load.form_login)."""
    import re

    login_path, (email, password) = (("/staff/login", corpus.staff) if "staff" in target_name
                                     else ("/account/login", corpus.customer))
    client = app.test_client()
    form = client.get(login_path).get_data()
    token = re.search(rb'name="csrf_token" value="([^"]+)"', form)
    response = client.post(login_path, data={"csrf_token": token.group(1).decode() if token else "",
                                             "email": email, "password": password})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"login {login_path} as {email}: HTTP {response.status_code}")
    return client


def _call_profile(client, target, kwargs, repeat: int) -> None:
    """The Python side of ``repeat`` requests, as pyinstrument's call tree (its top only)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  (pyinstrument is not installed: pip install pyinstrument)")
        return
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(repeat):
            client.open(target.path, method=target.method, **kwargs)
    print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=True))


def _explain(app, statement: str, parameters) -> None:
    """The statement's plan with the parameters it last ran with: SQLite's ``EXPLAIN QUERY PLAN``, or
    PostgreSQL's ``EXPLAIN ANALYZE`` (estimated against actual rows: stale statistics show up there)."""
    from portal.extensions import db

    with app.app_context():
        try:
            connection = db.session.connection()
            if connection.dialect.name == "postgresql":
                rows = connection.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters).all()
            else:
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            for row in rows:
                print("      plan:", row[-1])
        except Exception as exc:  # a statement that needs its parameters: skip the plan
            print("      plan: unavailable:", str(exc).splitlines()[0])
            db.session.rollback()


if __name__ == "__main__":
    raise SystemExit(main())
