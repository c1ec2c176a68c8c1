"""The outbox: jobs delivered per second by 1 and 2 workers, and the request path's latency with and without
delivery on it.

    .venv/bin/python -m bench.outbox [--jobs 600] [--postgres URL] [--requests 200]

1. Throughput: ``--jobs`` jobs, half mail (the auto-reply of a new request, to an aiosmtpd sink on loopback)
   and half webhooks (``request.created``, to an HTTP receiver on loopback), are queued in a fresh database;
   then 1 ``flask worker`` process, and in a second round 2, deliver them all. Reported: jobs per second from
   the first job done to the last (the workers' start-up excluded). SQLite has one writer at a time: its two
   workers take turns at the claim and the settling (WAL, busy timeout), which this measures.
2. Request path: ``request.create`` through the HelpSpot API in-process (Flask test client), ``--requests``
   times in each of three modes, taken in turns (blocks of 10 calls) so that the machine's load falls on all
   alike: without the outbox (``outbox.enqueue`` made a no-op: no job row, nothing delivered; the request path
   as it was before, less the old thread pool's hand-off), with the outbox (the job rows written in the
   transaction, a worker delivers later), and with OUTBOX_INLINE (the rows, and the mail and webhook delivered
   in the committing process's thread pool right after the commit). Reported: median and p95 milliseconds.
"""
from __future__ import annotations

import argparse
import asyncio  # noqa: F401  (aiosmtpd's controller needs a loop policy)
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def receiver():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make(url: str, folder: str, **extra):
    from portal import create_app
    from portal.extensions import db
    from tests.conftest import seed_reference_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": f"{folder}/index",
                      "UPLOAD_DIR": f"{folder}/up", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "PUBLIC_URL": "http://portal.test", "LOG_LEVEL": "ERROR", **extra})
    with app.app_context():
        db.create_all()
        seed_reference_data()
    return app


def queue(app, jobs: int, hook_url: str) -> None:
    from portal import settings
    from portal.extensions import db
    from portal.requests.services import RequestInput, create_request
    from portal.webhooks import services as webhooks
    from tests import factories

    with app.app_context():
        settings.set_value("webhooks_allow_private", True)
        admin = factories.staff("admin@example.com", role="administrator")
        webhooks.create_endpoint(admin, hook_url, ["request.created"])
        db.session.commit()
        for n in range(jobs // 2):  # each: one auto-reply mail and one webhook
            create_request(RequestInput(note=f"Help {n}", email=f"c{n}@example.com"), check_spam=False)
            if n % 50 == 49:
                db.session.commit()
        db.session.commit()


def deliver(app, url: str, workers: int, smtp_port: int, total: int) -> float:
    from portal.extensions import db
    from portal.outbox import services

    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp_port), "RATELIMIT_STORAGE_URI": "memory://", "OUTBOX_PRUNE_EVERY": "0",
           "SEARCH_CATCH_UP_EVERY": "0", "LOG_LEVEL": "WARNING"}
    env.pop("OUTBOX_INLINE", None)
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--batch", "10",
                                   "--poll", "0.05"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        first = None  # when the first job was done: the rate excludes the workers' start-up
        with app.app_context():
            while (done := services.counts()["done"]) < total:
                if first is None and done:
                    first, first_done = time.perf_counter(), done
                db.session.rollback()
                time.sleep(0.05)
        ended = time.perf_counter()
        if first is None or ended - first < 0.5:
            return total / (ended - started)
        return (total - first_done) / (ended - first)
    finally:
        for process in processes:
            process.terminate()
            process.wait(20)


def throughput(base_url: str | None, jobs: int) -> list[tuple[str, int, float]]:
    from aiosmtpd.controller import Controller

    smtp_port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    server, hook_url = receiver()
    rows = []
    try:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as folder:
                if base_url:
                    name = f"portico_bench_{secrets.token_hex(4)}"
                    admin = create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
                    with admin.connect() as c:
                        c.execute(text(f'CREATE DATABASE "{name}"'))
                    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
                else:
                    url, admin, name = f"sqlite:///{folder}/bench.db", None, ""
                try:
                    app = make(url, folder)
                    queue(app, jobs, hook_url)
                    rate = deliver(app, url, workers, smtp_port, jobs)
                    rows.append(("PostgreSQL" if base_url else "SQLite", workers, rate))
                    from portal.extensions import db
                    with app.app_context():
                        db.engine.dispose()
                finally:
                    if admin is not None:
                        with admin.connect() as c:
                            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                        admin.dispose()
    finally:
        controller.stop()
        server.shutdown()
    return rows


MODES = (("without the outbox (no job row, nothing sent)", False, True),
         ("outbox (job rows; a worker delivers)", False, False),
         ("inline (job rows, delivered in a thread after commit)", True, False))


def request_path(count: int) -> list[tuple[str, float, float]]:
    from aiosmtpd.controller import Controller

    import portal.outbox

    smtp_port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    server, hook_url = receiver()
    real_enqueue = portal.outbox.enqueue
    folders = [tempfile.TemporaryDirectory() for _ in MODES]
    try:
        clients = []
        for (_label, inline, _), folder in zip(MODES, folders, strict=True):
            app = make(f"sqlite:///{folder.name}/bench.db", folder.name, OUTBOX_INLINE=inline, MAIL_ASYNC=True,
                       MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port)
            from portal import settings
            from portal.extensions import db
            with app.app_context():
                settings.set_value("public_api", True)
                db.session.commit()
            queue(app, 0, hook_url)
            clients.append(app.test_client())
        timings: list[list[float]] = [[] for _ in MODES]
        calls = 0
        for block in range((count + 20) // 10):
            for index, (_, _, without) in enumerate(MODES):
                portal.outbox.enqueue = (lambda kind, payload, key=None: key or "") if without else real_enqueue
                for _ in range(10):
                    calls += 1
                    started = time.perf_counter()
                    response = clients[index].post("/api/index.php", data={
                        "method": "request.create", "output": "json", "tNote": f"Help {calls}",
                        "sEmail": f"c{calls}@example.com"})
                    elapsed = (time.perf_counter() - started) * 1000
                    assert response.status_code == 200, response.data
                    if block >= 2:  # warm-up
                        timings[index].append(elapsed)
        portal.outbox.enqueue = real_enqueue
        rows = []
        for (label, _, _), taken in zip(MODES, timings, strict=True):
            taken.sort()
            rows.append((label, statistics.median(taken), taken[int(len(taken) * 0.95) - 1]))
        time.sleep(1)  # let the inline pool finish before the folders go
    finally:
        portal.outbox.enqueue = real_enqueue
        controller.stop()
        server.shutdown()
        for folder in folders:
            folder.cleanup()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=600)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is created and dropped)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"{'database':12} {'workers':>7} {'jobs/s':>8}")
    for database, workers, rate in throughput(None, args.jobs) + (throughput(args.postgres, args.jobs)
                                                                    if args.postgres else []):
        print(f"{database:12} {workers:>7} {rate:>8.1f}")
    print()
    print(f"{'request.create':55} {'median ms':>10} {'p95 ms':>8}")
    rows = request_path(args.requests)
    for label, median, p95 in rows:
        print(f"{label:55} {median:>10.2f} {p95:>8.2f}")
    print(f"outbox against without: median {100 * (rows[1][1] / rows[0][1] - 1):+.1f} %, "
          f"p95 {100 * (rows[1][2] / rows[0][2] - 1):+.1f} %")


if __name__ == "__main__":
    main()
