"""``python -m bench.nginx``: a crowd of anonymous readers through Debian's nginx with ``proxy_cache`` in
front of gunicorn, beside the same crowd straight to gunicorn and hello world (docs/http-caching.md).

The crowd: Zipf-distributed reads (s = 1.1) over every KB page and forum topic of the bench's corpus
(bench/corpus.py, built here), each request from a new anonymous visitor (no cookies). nginx runs as this
user from a temporary folder with its own configuration, ports, pid file and temp paths
(:func:`nginx`, used by tests/http_cache/test_nginx.py too).
"""
import argparse
import contextlib
import http.client
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .load import Result
from .server import free_port, gunicorn

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The proxy of docs/http-caching.md, with its folders in ``{root}``. It keeps what the portal marks public
# for s-maxage seconds, revalidates with If-None-Match after that, and passes a visitor with a session or a
# remembered login straight through (their pages are their own; nor are their replies stored).
CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy_temp;
    fastcgi_temp_path {root}/fastcgi_temp;
    uwsgi_temp_path {root}/uwsgi_temp;
    scgi_temp_path {root}/scgi_temp;
    proxy_cache_path {root}/cache levels=1:2 keys_zone=portico:16m max_size=1g inactive=10m use_temp_path=off;

    map "$cookie_session$cookie_remember_token" $portico_visitor {{ default 1; "" 0; }}

    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_cache portico;
            proxy_cache_key $scheme$http_host$request_uri;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_background_update on;
            proxy_cache_bypass $portico_visitor;
            proxy_no_cache $portico_visitor;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def config(root: Path, port: int, upstream: int) -> str:
    # As root, nginx's workers would run as "nobody", who cannot write to this user's temporary folder.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return CONFIG.format(user=user, root=root, port=port, upstream=upstream)


@contextlib.contextmanager
def nginx(upstream: int, root: Path):
    """nginx with proxy_cache on a free loopback port in front of ``upstream``; yields the port."""
    if not Path(NGINX).exists():
        raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (root / "nginx.conf").write_text(config(root, port, upstream))
    log = open(root / "stderr.log", "ab")
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")],
                            stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {proc.returncode}: {(root / 'error.log').read_text()[-2000:]}")
            try:
                with contextlib.closing(http.client.HTTPConnection("127.0.0.1", port, timeout=2)) as conn:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status < 500:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not answer")
            time.sleep(0.1)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own process group: the master and its worker
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()


# ------------------------------------------------------------------------------------------------ the crowd

def zipf_paths(paths: list[str], count: int, s: float = 1.1, seed: int = 11) -> list[str]:
    """``count`` picks from ``paths``, the k-th most read with weight 1/k**s (shuffled ranks)."""
    rng = random.Random(seed)
    ranked = paths[:]
    rng.shuffle(ranked)
    weights = [1 / (k ** s) for k in range(1, len(ranked) + 1)]
    return rng.choices(ranked, weights=weights, k=count)


_next = [0]  # where the crowd is in its list: each run goes on from where the last one stopped


def crowd(port: int, paths: list[str], *, duration: float, concurrency: int, warmup: float = 0.5,
          cache: dict | None = None) -> Result:
    """Each thread sends the next path of the crowd on a keep-alive connection, until time runs out;
    ``cache`` counts the measured replies by their X-Cache-Status."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local, local_status, local_errors = [], {}, 0
        while (began := time.perf_counter()) < stop_at:
            with lock:
                path = paths[_next[0] % len(paths)]
                _next[0] += 1
            try:
                conn.request("GET", path, headers={"Accept": "text/html", "Accept-Language": "en"})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                local_errors += began >= start_at
                continue
            if began >= start_at:
                local.append((time.perf_counter() - began) * 1000)
                local_status[response.status] = local_status.get(response.status, 0) + 1
                if cache is not None:
                    label = response.getheader("X-Cache-Status", "-")
                    with lock:
                        cache[label] = cache.get(label, 0) + 1
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += local_errors
            for status, n in local_status.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(len(latencies), errors[0], statuses, duration, latencies)


def corpus_paths(database_url: str) -> list[str]:
    """The canonical address of every KB page and forum topic (read-only, straight from the database)."""
    from sqlalchemy import create_engine, text

    from portal.text import slugify

    engine = create_engine(database_url)
    with engine.connect() as connection:
        pages = connection.execute(text("SELECT id, name FROM page")).all()
        topics = connection.execute(text("SELECT id, title FROM topic")).all()
    engine.dispose()
    return ([f"/kb/pages/{pid}-{slugify(name)}" for pid, name in pages]
            + [f"/forums/topics/{tid}-{slugify(title)}" for tid, title in topics])


def main(argv=None) -> int:
    from . import __main__ as bench

    parser = argparse.ArgumentParser(prog="python -m bench.nginx", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=("small", "large"))
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best counts")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to build the corpus on instead")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="seconds of the crowd through nginx before measuring (default 20)")
    parser.add_argument("--max-age", type=int, default=None, help="HTTP_CACHE_MAX_AGE for the portal (its default: 10)")
    parser.add_argument("--stale", type=int, default=None, help="HTTP_CACHE_STALE_WHILE_REVALIDATE for the portal")
    args = parser.parse_args(argv)
    print(f"Portico behind nginx, load average {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="portico-nginx-") as tmp, contextlib.ExitStack() as servers:
        workdir = Path(tmp)
        if args.postgres:
            url = servers.enter_context(bench.fresh_postgres(args.postgres))
        else:
            url = f"sqlite:///{workdir / 'bench.db'}"
        bench.build_corpus(url, args.size, workdir)
        paths = zipf_paths(corpus_paths(url), 200_000)
        env = bench.portal_env(url, workdir)
        if args.max_age is not None:
            env["HTTP_CACHE_MAX_AGE"] = str(args.max_age)
        if args.stale is not None:
            env["HTTP_CACHE_STALE_WHILE_REVALIDATE"] = str(args.stale)
        portal = servers.enter_context(gunicorn("wsgi:app", env, "/healthz",
                                                workdir / "gunicorn.log"))
        hello = servers.enter_context(gunicorn("bench.hello:app", {}, "/", workdir / "hello.log"))
        proxy = servers.enter_context(nginx(portal, workdir / "nginx"))
        crowd(proxy, paths, duration=args.warmup, concurrency=args.concurrency)  # a crowd has been reading
        runs: dict[str, list[Result]] = {"hello world": [], "crowd, straight to gunicorn": [],
                                         "crowd, through nginx": []}
        hits: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, port, crowd_paths in (("hello world", hello, ["/"]), ("crowd, straight to gunicorn", portal, paths),
                                            ("crowd, through nginx", proxy, paths)):
                runs[name].append(crowd(port, crowd_paths, duration=args.duration, concurrency=args.concurrency,
                                        cache=hits if port == proxy else None))
    best = {name: max(results, key=lambda r: r.rps) for name, results in runs.items()}
    hello_rps = best["hello world"].rps
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\nHTTP_CACHE_MAX_AGE {args.max_age if args.max_age is not None else 'default (10)'}, "
          f"HTTP_CACHE_STALE_WHILE_REVALIDATE {args.stale or 0}, "
          f"{args.rounds} rounds of {args.duration:g} s, the best counting; load average {os.getloadavg()}")
    print(f"\n| traffic ({database}, {args.size} corpus, {len(set(paths))} distinct URLs) | req/s | vs hello | p50 ms "
          "| p99 ms | statuses |\n|---|---|---|---|---|---|")
    for name, result in best.items():
        print(f"| {name} | {result.rps:.0f} | {result.rps / hello_rps:.0%} | {result.percentile(50):.1f} | "
              f"{result.percentile(99):.1f} | {result.statuses} |")
    print(f"\nX-Cache-Status of the measured reads through nginx (every round): {hits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
