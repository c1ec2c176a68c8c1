"""Concurrent index writers: N processes (like gunicorn workers) each commit pages one at a time.

    .venv/bin/python -m bench.search_writers [--workers 4] [--commits 50] [--lock-timeout 5]

Reports commit latency (database commit + index write) p50/p95, how many writes were spooled because
the lock stayed busy, and whether every page reached the index.
"""
import argparse
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time


def _config(folder: str, lock_timeout: float) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SEARCH_INDEX_DIR": f"{folder}/index",
            "SECRET_KEY": "bench", "LOG_LEVEL": "ERROR", "SEARCH_LOCK_TIMEOUT": lock_timeout}


def _worker(folder, lock_timeout, commits, worker, barrier, out):
    from portal import create_app
    from portal.extensions import db
    from portal.kb.models import Page
    from portal.search import writer

    app = create_app(_config(folder, lock_timeout))
    timings, spooled = [], 0
    original = writer.spool

    def counting_spool(*args):
        nonlocal spooled
        spooled += 1
        original(*args)
    writer.spool = counting_spool
    with app.app_context():
        barrier.wait()
        for number in range(commits):
            started = time.perf_counter()
            db.session.add(Page(chapter_id=1, name=f"w{worker} p{number}", body="concurrent writer page"))
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    out.put((timings, spooled))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--commits", type=int, default=50)
    parser.add_argument("--lock-timeout", type=float, default=5.0)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="portico-bench-writers-")
    os.environ.setdefault("INSTANCE_PATH", folder)
    from portal import create_app
    from portal.extensions import db
    from portal.kb.models import Book, Chapter
    from portal.search.query import search_kb

    app = create_app(_config(folder, args.lock_timeout))
    try:
        with app.app_context():
            db.create_all()
            db.session.add(Chapter(id=1, name="Bench", book=Book(name="Bench")))
            db.session.commit()
        spawn = multiprocessing.get_context("spawn")
        barrier, out = spawn.Barrier(args.workers), spawn.Queue()
        procs = [spawn.Process(target=_worker, args=(folder, args.lock_timeout, args.commits, n, barrier, out))
                 for n in range(args.workers)]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [out.get(timeout=600) for _ in procs]
        for proc in procs:
            proc.join()
        elapsed = time.perf_counter() - started
        timings = sorted(t for worker_timings, _ in results for t in worker_timings)
        with app.app_context():
            found = search_kb("concurrent", per_page=1).total
        print(f"{args.workers} workers x {args.commits} commits, lock timeout {args.lock_timeout}s, "
              f"load average {os.getloadavg()[0]:.2f}")
        p95 = timings[int(0.95 * (len(timings) - 1))]
        print(f"commit+index p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
              f"max {timings[-1]:.1f} ms; {len(timings) / elapsed:.0f} commits/s overall (incl. start-up)")
        print(f"spooled writes: {sum(s for _, s in results)}; pages in index {found} of {len(timings)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
