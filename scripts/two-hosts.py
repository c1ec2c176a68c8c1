#!/usr/bin/env python3
"""Run two Portico hosts on this machine against one PostgreSQL and one Redis (docs/scaling.md).

Each host has its own port, instance folder and search index, and runs gunicorn plus an outbox worker (which
also keeps that host's search index current from the change log). Attachments go to one shared store:
``--storage-url`` (an ``s3://bucket/prefix`` with STORAGE_S3_ENDPOINT and AWS_* credentials in the
environment), else a directory both hosts share.

    scripts/two-hosts.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/portico_two \\
        --redis-url redis://127.0.0.1:6379/3 --ports 8101,8102

Ctrl-C (or SIGTERM) stops every process it started. ``--ready-file`` is written (host URLs, one a line) once
both answer /healthz.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _flask(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required="DATABASE_URL" not in os.environ)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--ports", default="8101,8102", help="the two hosts' ports")
    parser.add_argument("--dir", help="where the hosts' instance folders go (default: a new temporary folder)")
    parser.add_argument("--storage-url", help="s3://bucket/prefix (default: a directory both hosts share)")
    parser.add_argument("--ready-file", help="written once both hosts answer /healthz")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()

    base = Path(args.dir or tempfile.mkdtemp(prefix="portico-two-hosts-"))
    base.mkdir(parents=True, exist_ok=True)
    ports = [int(p) for p in args.ports.split(",")]
    common = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
              "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),  # the same on every host
              "STORAGE_URL": args.storage_url or "", "PYTHONUNBUFFERED": "1",
              "UPLOAD_DIR": str(base / "shared-uploads"),
              "SEARCH_CATCH_UP_EVERY": os.environ.get("SEARCH_CATCH_UP_EVERY", "1")}
    common.pop("OUTBOX_INLINE", None)
    _flask("db", "upgrade", env=common)
    processes: list[subprocess.Popen] = []

    def stop(*_signal) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    urls = []
    for name, port in zip("ab", ports, strict=True):
        instance = base / f"host-{name}"
        env = {**common, "INSTANCE_PATH": str(instance), "SEARCH_INDEX_DIR": str(instance / "search-index"),
               "PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}"}
        log = open(instance.with_suffix(".log"), "ab")  # noqa: SIM115  (kept open while the host runs)
        _flask("search", "catch-up", env=env)  # a new host builds its index, then follows the change log
        processes.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", str(args.gunicorn_workers),
             "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log))
        processes.append(subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker", "--poll", "0.5"],
                                          cwd=ROOT, env=env, stdout=log, stderr=log))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while not all(_healthy(url) for url in urls):
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            print("a host did not start; see the logs in", base, file=sys.stderr)
            stop()
        time.sleep(0.3)
    for name, url in zip("AB", urls, strict=True):
        print(f"host {name}: {url}  (instance {base / f'host-{name.lower()}'})", flush=True)
    if args.ready_file:
        Path(args.ready_file).write_text("\n".join(urls) + "\n")
    while True:
        if any(p.poll() is not None for p in processes):
            print("a process of a host exited; stopping the rest", file=sys.stderr)
            stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
