"""Dashboard benchmark: the staff dashboard's figures (portal.deflection.dashboard) over 100,000 requests.

    .venv/bin/python -m bench.dashboard                    # 100,000 requests over a year, two notes each
    .venv/bin/python -m bench.dashboard --requests 20000

SQLite in a temporary folder (deleted afterwards), or --database-url for PostgreSQL (an empty database).
Not a test: record the figures in bench/README.md.
"""
import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--from-notes", action="store_true",
                        help="also time (once) the first-reply median found from the notes, as before first_reply_at")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (its tables are dropped afterwards)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="portico-bench-dashboard-")
    os.environ.setdefault("INSTANCE_PATH", folder)
    from portal import create_app
    from portal.dates import utcnow
    from portal.deflection import dashboard
    from portal.extensions import db
    from portal.requests.models import DEFAULT_STATUSES, Note, Request, Status
    from tests import factories

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{folder}/bench.db",
                      "SEARCH_INDEX_DIR": f"{folder}/index", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    rng = random.Random(3)
    try:
        with app.app_context():
            db.create_all()
            db.session.execute(db.insert(Status), DEFAULT_STATUSES)
            staff_id = factories.staff("bench@example.com").id
            now = utcnow()
            started = time.perf_counter()
            for start in range(0, args.requests, 10_000):
                requests, notes = [], []
                for n in range(start, min(args.requests, start + 10_000)):
                    opened = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                    closed = opened + timedelta(minutes=rng.randint(10, 20_000)) if rng.random() < 0.8 else None
                    replied = opened + timedelta(minutes=rng.randint(5, 3000))
                    requests.append(dict(id=n + 1, password="x" * 20, title="t", opened_at=opened, updated_at=opened,
                                         is_open=closed is None, closed_at=closed, first_reply_at=replied))
                    notes.append(dict(request_id=n + 1, body="q", is_initial=True, created_at=opened))
                    notes.append(dict(request_id=n + 1, body="a", staff_id=staff_id, created_at=replied))
                db.session.execute(db.insert(Request), requests)
                db.session.execute(db.insert(Note), notes)
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(db.text("ANALYZE"))  # as autovacuum would after a load; else plans are blind
                db.session.commit()
            print(f"{args.requests} requests, {2 * args.requests} notes written in {time.perf_counter() - started:.1f}s")
        with app.test_request_context():
            for days in dashboard.RANGES:
                timings = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    dashboard.figures(days)
                    timings.append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                print(f"figures({days:2d} days): median {statistics.median(timings):7.1f} ms, "
                      f"max {max(timings):7.1f} ms over {args.repeat}")
            if args.from_notes:
                started = time.perf_counter()
                _median_from_notes(dashboard, Note, Request, now - timedelta(days=90))
                print(f"before deflect_0010, the 90-day median first reply from notes alone: "
                      f"{(time.perf_counter() - started) * 1000:7.1f} ms")
    finally:
        if args.database_url:  # leave the database empty for the next run
            with app.app_context():
                db.session.rollback()
                db.drop_all()
        shutil.rmtree(folder, ignore_errors=True)


def _median_from_notes(dashboard, Note, Request, since):
    """The 90-day median time to first reply the way the dashboard found it before Request.first_reply_at: a
    correlated subquery over each request's notes."""
    from sqlalchemy import func, select

    reply = (select(func.min(Note.created_at)).where(Note.request_id == Request.id, Note.is_public.is_(True),
                                                     Note.staff_id.is_not(None), Note.is_initial.is_(False))
             .correlate(Request).scalar_subquery())
    return dashboard._median(dashboard._seconds(reply, Request.opened_at), Request.trashed.is_not(True),
                             Request.opened_at >= since, reply.is_not(None))


if __name__ == "__main__":
    main()
