"""``python -m bench`` (``make bench``): Portico against a hello-world Flask app, same gunicorn settings.

Builds a small and a large corpus (SQLite; PostgreSQL too with --postgres URL: a fresh database is created
on that server for each corpus and dropped afterwards),
serves each with gunicorn (2 sync workers) on loopback, loads every target with 8 keep-alive client
threads for a fixed time, and prints throughput and p50/p99 latency beside hello-world's. Targets that
answer 404 (pages or API methods not merged yet) are listed as awaiting the merge, not measured.
Results go to bench/results/<UTC time>.json and .md; the whole run stays inside --budget seconds."""
import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from .load import Target, fetch, run
from .server import ROOT, WORKERS, gunicorn

RESULTS = Path(__file__).resolve().parent / "results"
MIN_SHARE_OF_HELLO = 0.30
MAX_READ_P99_MS = 50.0
MAX_SCALE_DRIFT = 0.20


def portal_targets(corpus) -> list[Target]:
    from .corpus import SEARCH_WORD

    page_id, page_slug = corpus.kb_page
    topic_id, topic_slug = corpus.topic
    api = "/api/index.php?"
    create_body = urlencode({"tNote": "My printer is on fire.", "sEmail": "bench@example.com",
                             "sFirstName": "Bench", "sLastName": "Client"})
    return [
        Target("home", "/"),
        Target("healthz (JSON)", "/healthz", kind="probe"),
        Target("kb page", f"/kb/pages/{page_id}-{page_slug}"),
        Target("forum topic", f"/forums/topics/{topic_id}-{topic_slug}"),
        Target("request by access key", f"/requests/{corpus.access_key}"),
        Target("API request.get (JSON)", api + urlencode({"method": "request.get", "accesskey": corpus.access_key,
                                                          "output": "json"})),
        Target("API kb.getBookTOC (XML)", api + urlencode({"method": "kb.getBookTOC", "xBook": corpus.book_id})),
        Target("API request.create", api + urlencode({"method": "request.create", "output": "json"}),
               method="POST", body=create_body, kind="write"),
        # Last: at the large corpus a search can outlast the client's timeout, and the workers stay busy
        # with it after the run; a target measured after them would time out on its probe.
        Target("API kb.search", api + urlencode({"method": "kb.search", "q": SEARCH_WORD})),
        Target("API forums.search", api + urlencode({"method": "forums.search", "q": SEARCH_WORD})),
    ]


GROUPS = ("classic", "crowd", "cold", "logged-in")


def all_targets(corpus, groups=GROUPS) -> list[Target]:
    """The one-URL rows (group "classic") and the crowd, cold and logged-in rows (``bench.crowd``)."""
    from .crowd import crowd_targets

    return [t for t in (*portal_targets(corpus), *crowd_targets(corpus)) if t.group in groups]


def portal_env(database_url: str, workdir: Path) -> dict:
    return {"DATABASE_URL": database_url, "INSTANCE_PATH": str(workdir), "SECRET_KEY": "bench",
            "SEARCH_INDEX_DIR": str(workdir / "search-index"), "UPLOAD_DIR": str(workdir / "uploads"),
            "RATELIMIT_ENABLED": "0", "LOG_LEVEL": "WARNING", "MAIL_SERVER": "", "REDIS_URL": ""}


def build_corpus(database_url: str, size: str, workdir: Path):
    os.environ.update({"INSTANCE_PATH": str(workdir)})
    from portal import create_app
    from portal.extensions import db

    from .corpus import build

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING",
                      "SEARCH_INDEX_DIR": str(workdir / "search-index"), "RATELIMIT_ENABLED": False})
    corpus = build(app, size)
    with app.app_context():
        # kb.search and forums.search must search the corpus, not an empty index: what `flask search
        # reindex` does after an import.
        from portal.search.cli import rebuild

        began = time.perf_counter()
        documents = {kind: rebuild(kind) for kind in ("kb", "forums")}
        print(f"  search index {size}: {documents} in {time.perf_counter() - began:.1f} s", flush=True)
        db.engine.dispose()
    return corpus


@contextlib.contextmanager
def fresh_postgres(server_url: str):
    """A new, empty database on the server of ``server_url``, dropped afterwards (never touches that one)."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(server_url)
    name = f"portico_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Bench:
    """Every server up at once, each target measured in ``rounds`` interleaved rounds.

    A round loads hello world, then the same target on every corpus (small and large, each database),
    back to back, for ``duration`` seconds each. Other work on a shared machine only ever slows a round
    down, and it comes and goes within seconds: the best round of each row is the figure (timeit's rule),
    the ratio to hello world uses hello's best round of the same rounds, and small and large are compared
    on rounds taken seconds apart instead of minutes apart. Every round is kept in the JSON."""

    def __init__(self, args):
        self.args = args
        self.started = time.monotonic()
        self.rows: list[dict] = []
        self.notes: list[str] = []

    def time_left(self) -> float:
        return self.args.budget - (time.monotonic() - self.started)

    def probe(self, port: int, target: Target) -> str | None:
        """None when the target answers; else why it is not measured."""
        try:
            status, body, _ = fetch("127.0.0.1", port, target)
        except OSError as exc:
            return f"error: {exc}"
        if status == 404:
            return "awaits merge (404)"
        if status >= 400:
            return f"error {status}: {body[:120]!r}"
        return None

    def load(self, port: int, target: Target) -> dict:
        return run("127.0.0.1", port, target, duration=self.args.duration,
                   concurrency=self.args.concurrency).summary()

    def measure_all(self, hello_port: int, portals: dict) -> None:
        """``portals``: {(database, size): ({"cached": port, "cold": port or None}, corpus)}."""
        hello = Target("hello world", "/")
        names = [t.name for t in all_targets(next(iter(portals.values()))[1], self.args.groups)]
        per_round = (1 + len(portals)) * (self.args.duration + 1.0)
        for name in names:
            rows = {}
            for label, (ports, corpus) in portals.items():
                target = next(t for t in all_targets(corpus, self.args.groups) if t.name == name)
                port = ports[target.server]
                rows[label] = {"database": label[0], "size": label[1], "app": "portico", "target": name,
                               "path": target.path, "method": target.method, "kind": target.kind,
                               "group": target.group, "urls": len(target.paths) or 1,
                               "rounds": [], "_target": target, "_port": port}
                rows[label]["outcome"] = self.probe(port, target)
            hello_row = {"database": "-", "size": "-", "app": "hello", "target": f"hello world (beside {name})",
                         "path": "/", "method": "GET", "kind": "baseline", "rounds": [], "outcome": None}
            for label, row in rows.items():
                # A crowd reads a site that has been up: its page caches hold what the crowd read before.
                # The Zipf row first reads unmeasured for --zipf-warmup seconds (bench/README.md: what changes).
                if row["outcome"] is None and row["_target"].order == "zipf" and self.args.zipf_warmup > 0:
                    print(f"  {label[0]:10} {label[1]:6} {name[:40]:40} warming up for {self.args.zipf_warmup:g} s",
                          flush=True)
                    warm = run("127.0.0.1", row["_port"], row["_target"], duration=self.args.zipf_warmup,
                               concurrency=self.args.concurrency).summary()
                    row["warmup"] = {key: warm[key] for key in ("requests", "rps", "p50_ms", "p99_ms", "hit_ratio")}
                    print(f"  {'':10} {'':6} {'':40} warm-up: {warm['requests']} requests, "
                          f"page cache hits {warm['hit_ratio']:.0%}", flush=True)
            for number in range(self.args.rounds):
                if self.time_left() < per_round:
                    self.notes.append(f"{name}: {number} of {self.args.rounds} rounds (time budget)")
                    break
                hello_row["rounds"].append(self.load(hello_port, hello))
                for row in rows.values():
                    if row["outcome"] is None:
                        row["rounds"].append(self.load(row["_port"], row["_target"]))
            for row in (hello_row, *rows.values()):
                row.pop("_target", None), row.pop("_port", None)
                if row["outcome"] is None and not row["rounds"]:
                    row["outcome"] = "skipped: time budget"
                if row["outcome"] is None:
                    best = max(row["rounds"], key=lambda r: r["rps"])
                    row.update({key: best[key] for key in ("requests", "errors", "statuses", "rps", "p50_ms", "p99_ms",
                                                           "hit_ratio")},
                               rps_median=statistics.median(r["rps"] for r in row["rounds"]), outcome="measured")
                self._add(row)
                if row is not hello_row and row["outcome"] == "measured" and hello_row["outcome"] == "measured":
                    row["hello_rps"] = hello_row["rps"]

    def _add(self, row: dict) -> dict:
        self.rows.append(row)
        shown = (f"{row['rps']:8.1f} req/s (median of {len(row['rounds'])}: {row['rps_median']:7.1f})  "
                 f"p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms" if row["outcome"] == "measured" else row["outcome"])
        if row.get("hit_ratio"):
            shown += f"  page cache hits {row['hit_ratio']:.0%}"
        print(f"  {row.get('database', ''):10} {row.get('size', ''):6} {row['target'][:40]:40} {shown}", flush=True)
        return row

    def corpus(self, database: str, url: str, size: str, workdir: Path):
        corpus = build_corpus(url, size, workdir)
        print(f"  corpus {database}/{size}: {corpus.counts} in {corpus.seconds:.1f} s", flush=True)
        self.notes.append(f"corpus {database}/{size}: {corpus.counts}, built in {corpus.seconds:.1f} s")
        return corpus


def targets_for(row: dict) -> tuple[float | None, float | None]:
    """(least share of hello world, largest p99 in ms) a row is held to; None where it is only reported.

    The one-URL rows keep their targets at the large corpus; issue 17's rows are held at both sizes:
    cold renders 15 % and 30 ms, the Zipf crowd 40 % and 50 ms, distinct searches 50 ms, logged-in 10 %
    and 50 ms. The other distinct-URL rows are reported (the cold rows judge what they cost)."""
    group, target = row.get("group", "classic"), row["target"]
    if group == "classic":
        return (MIN_SHARE_OF_HELLO, MAX_READ_P99_MS) if row["size"] == "large" else (None, None)
    if group == "cold":
        return 0.15, 30.0
    if group == "logged-in":
        return 0.10, 50.0
    if "Zipf" in target:
        return 0.40, 50.0
    if "search" in target:
        return None, 50.0
    return None, None


def verdicts(rows: list[dict]) -> list[str]:
    """The issue's targets, checked against the measured rows."""
    lines = []
    hellos = [r["rps"] for r in rows if r.get("app") == "hello" and r["outcome"] == "measured"]
    if len(hellos) > 1:
        lines.append(f"NOTE  hello world's best rounds: {min(hellos):.0f} to {max(hellos):.0f} req/s across the run; "
                     "each ratio uses the hello world measured in the same rounds")
    for row in rows:
        if row.get("app") != "portico" or row["outcome"] != "measured":
            continue
        hello = row.get("hello_rps")
        if hello:
            row["share_of_hello"] = round(row["rps"] / hello, 3)
        share, p99 = targets_for(row)
        if row["kind"] != "read" or (share, p99) == (None, None):
            continue
        checks = []
        if hello and share is not None:
            checks.append((f"throughput >= {share:.0%} of hello", row["share_of_hello"] >= share))
        if p99 is not None:
            checks.append((f"p99 < {p99:g} ms", row["p99_ms"] < p99))
        for name, ok in checks:
            lines.append(f"{'PASS' if ok else 'FAIL'}  {row['database']}/{row['target']}: {name}")
    by_key = {(r["database"], r["size"], r["target"]): r for r in rows
              if r["outcome"] == "measured" and r.get("group", "classic") == "classic"}
    for (database, size, target), large in by_key.items():
        small = by_key.get((database, "small", target))
        if size != "large" or small is None:
            continue
        drift = abs(large["rps"] - small["rps"]) / max(large["rps"], small["rps"])
        large["scale_drift"] = round(drift, 3)
        lines.append(f"{'PASS' if drift <= MAX_SCALE_DRIFT else 'FAIL'}  {database}/{target}: "
                     f"{small['rps']:.0f} req/s at small vs {large['rps']:.0f} at large ({drift:.0%} apart)")
    return lines


def table(rows: list[dict]) -> str:
    head = ("| database | size | target | req/s (best round) | median round | p50 ms | p99 ms | vs hello | outcome |\n"
            "|---|---|---|---:|---:|---:|---:|---:|---|")
    lines = [head]
    for r in rows:
        if r["outcome"] == "measured":
            share = f"{r['share_of_hello']:.0%}" if "share_of_hello" in r else ""
            lines.append(f"| {r['database']} | {r['size']} | {r['target']} | {r['rps']:.0f} | {r['rps_median']:.0f} | {r['p50_ms']:.1f} | "
                         f"{r['p99_ms']:.1f} | {share} | measured ({r['requests']} requests, {r['errors']} errors, "
                         f"statuses {r['statuses']}) |")
        else:
            lines.append(f"| {r['database']} | {r['size']} | {r['target']} |  |  |  |  |  | {r['outcome']} |")
    return "\n".join(lines)


def environment(args) -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {"utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit.stdout.strip(),
            "python": platform.python_version(), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "gunicorn_workers": WORKERS, "worker_class": "sync", "concurrency": args.concurrency,
            "seconds_per_round": args.duration, "rounds": args.rounds, "groups": list(args.groups),
            "redis": bool(args.redis)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds of load per target and round (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per target; the best counts (default 3)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--zipf-warmup", type=float, default=60.0,
                        help="seconds the Zipf crowd reads, unmeasured, before its first round (default 60; 0: from cold)")
    parser.add_argument("--sizes", default="small,large", help="corpus sizes to run (small,large)")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL server (in a new database, dropped afterwards)")
    parser.add_argument("--budget", type=float, default=2400, help="stop starting new work after this many seconds")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"groups of rows to run, comma-separated (default all: {','.join(GROUPS)})")
    parser.add_argument("--redis", metavar="URL", default="",
                        help="REDIS_URL for the portals (their page cache then shared by the workers)")
    args = parser.parse_args(argv)
    args.groups = tuple(g.strip() for g in args.only.split(",") if g.strip())
    if unknown := set(args.groups) - set(GROUPS):
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    env = environment(args)
    print(f"Portico HTTP benchmark, {env['utc']}, commit {env['commit']}, load average {env['load_average']}")
    bench = Bench(args)
    with tempfile.TemporaryDirectory(prefix="portico-bench-") as tmp, contextlib.ExitStack() as servers:
        workdir = Path(tmp)
        databases = [("sqlite", size, f"sqlite:///{workdir / f'bench-{size}.db'}") for size in sizes]
        if args.postgres:
            databases += [("postgresql", size, servers.enter_context(fresh_postgres(args.postgres))) for size in sizes]
        portals = {}
        for database, size, url in databases:
            folder = workdir / f"{database}-{size}"
            folder.mkdir()
            corpus = bench.corpus(database, url, size, folder)
            served = {**portal_env(url, folder), "REDIS_URL": args.redis}
            ports = {"cached": servers.enter_context(gunicorn("wsgi:app", served, "/healthz",
                                                              workdir / f"{database}-{size}.log")), "cold": None}
            if "cold" in args.groups:  # the same corpus, page cache off: what a render costs
                ports["cold"] = servers.enter_context(gunicorn(
                    "wsgi:app", {**served, "PAGE_CACHE_ENTRIES": "0"}, "/healthz", workdir / f"{database}-{size}-cold.log"))
            portals[(database, size)] = (ports, corpus)
        hello_port = servers.enter_context(gunicorn("bench.hello:app", {}, "/", workdir / "hello-gunicorn.log"))
        bench.measure_all(hello_port, portals)
    checks = verdicts(bench.rows)
    awaiting = sorted({r["target"] for r in bench.rows if r["outcome"].startswith("awaits merge")})
    markdown = "\n".join([
        f"Measured {env['utc']} (commit {env['commit']}), {env['cpus']} CPUs shared, load average at start "
        f"{', '.join(f'{x:.1f}' for x in env['load_average'])}; gunicorn {WORKERS} sync workers; "
        f"{args.concurrency} client threads on loopback, {args.rounds} interleaved rounds of {args.duration:g} s per "
        "target, the best round counting.", "",
        table(bench.rows), "", *[f"- {line}" for line in checks],
        *[f"- {note}" for note in bench.notes],
        f"- awaiting the merge (answered 404): {', '.join(awaiting) if awaiting else 'none'}"])
    print("\n" + markdown)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.json").write_text(json.dumps({"environment": env, "rows": bench.rows, "checks": checks,
                                                       "notes": bench.notes}, indent=2, default=str))
    (RESULTS / f"{stamp}.md").write_text(markdown + "\n")
    print(f"\nwritten: bench/results/{stamp}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
