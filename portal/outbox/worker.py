"""The worker: ``flask --app wsgi worker`` claims due jobs, delivers them, and retries failures later.

Any number of workers may run against PostgreSQL (on any number of hosts); on SQLite run one. SIGTERM or
SIGINT stops a worker cleanly: it finishes the job in hand, gives back the jobs it claimed but had not
started, and exits 0. A database that cannot be reached is waited for, with growing pauses.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy.exc import DBAPIError

from ..extensions import db
from . import services

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
# Periodic work other packages give the worker: (the config key of its interval in seconds, 0 meaning never;
# the interval when unset; "module:function", imported when first due, returning a line to echo or None).
PERIODIC = (
    ("DEFLECTION_ROLLUP_EVERY", 3600, "portal.deflection.rollup:scheduled"),
)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(self, *, name: str | None = None, batch: int = 10, poll: float = 1.0,
                 echo: Callable[[str], None] = print):
        self.name = name or worker_name()
        self.batch = batch
        self.poll = poll
        self.echo = echo
        self.stopping = threading.Event()
        self.pruned_at: float | None = None  # monotonic time of the last prune (None: not yet)
        self.caught_up_at: float | None = None  # ... of the last search catch-up
        self.periodic_at: dict[str, float] = {}  # ... of each PERIODIC task's last run
        # Outcomes of jobs in hand that the database went away before they were written (and jobs claimed
        # but not started then, to give back): written first thing once it answers again, so those jobs are
        # neither delivered twice nor left waiting for their lease to run out.
        self.unsettled: list[Callable[[], object]] = []
        self.outage = False  # the database was away on the last round

    def stop(self, *_signal) -> None:
        self.stopping.set()

    def handle_signals(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> None:
        """Loop until stopped (in an app context)."""
        self.echo(f"worker {self.name} started")
        pause = self.poll
        while not self.stopping.is_set():
            try:
                self.settle()
                self.prune_if_due()
                self.catch_up_if_due()
                self.run_periodic()
                worked = self.run_once()
                pause = self.poll
            except DBAPIError as exc:  # the database is gone: wait, longer each time, then try again
                self.outage = True
                pause = min(max(pause * 2, self.poll), 30.0)
                reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
                self.echo(f"database unavailable ({type(exc.orig).__name__}: {reason[:200]}); "
                          f"retrying in {pause:.1f}s")
                worked = False
            finally:
                # End what a round left open on the app's session (a kind reads settings through it): no
                # transaction idle between rounds, and no connection lost in an outage used again afterwards.
                end_session()
            if not worked:
                self.stopping.wait(pause)
        if self.unsettled:  # stopping in an outage: one last try, else those jobs wait for their lease
            try:
                self.settle()
            except DBAPIError:
                self.echo(f"{len(self.unsettled)} outcome(s) not written: their jobs are retried after the lease")
            finally:
                end_session()
        self.echo(f"worker {self.name} stopped")

    def settle(self) -> None:
        """Write the outcomes kept while the database was away (a DBAPIError leaves the rest for next time)."""
        while self.unsettled:
            self.unsettled[0]()
            self.unsettled.pop(0)
        # (a job taken over meanwhile, its lease run out, is left to its new holder: _settle checks the holder)
        if self.outage:  # a claim cut off mid-answer may have leased jobs to us that we never saw
            if released := services.release_held(self.name):
                self.echo(f"released {released} job(s) held when the database went away")
            self.outage = False
            self.echo("database available again")

    def prune_if_due(self) -> None:
        """Every OUTBOX_PRUNE_EVERY seconds (0: never), delete history past its retention (services.prune).
        With several workers each prunes; the deletes are idempotent, so that costs only a little work."""
        from flask import current_app

        every = float(current_app.config.get("OUTBOX_PRUNE_EVERY", 3600) or 0)
        if every <= 0 or (self.pruned_at is not None and time.monotonic() - self.pruned_at < every):
            return
        self.pruned_at = time.monotonic()
        deleted = services.prune()
        if any(deleted.values()):
            self.echo("pruned " + ", ".join(f"{count} {what}" for what, count in deleted.items() if count))

    def catch_up_if_due(self) -> None:
        """Every SEARCH_CATCH_UP_EVERY seconds (0: never), apply to this host's search index the changes other
        hosts committed (portal.search.changelog). A failure is logged; the next round tries again."""
        from flask import current_app

        every = float(current_app.config.get("SEARCH_CATCH_UP_EVERY", 2) or 0)
        if every <= 0 or "portico_search" not in current_app.extensions or (
                self.caught_up_at is not None and time.monotonic() - self.caught_up_at < every):
            return
        self.caught_up_at = time.monotonic()
        from ..search import changelog

        try:
            changelog.catch_up()
        except DBAPIError:
            raise
        except Exception:
            log.exception("search catch-up failed; the next round tries again")

    def run_periodic(self) -> None:
        """Each PERIODIC task whose interval has passed (the first round runs them all). A failure other than
        the database's is logged; the next interval tries again."""
        from importlib import import_module

        from flask import current_app

        for key, default, target in PERIODIC:
            every = float(current_app.config.get(key, default) or 0)
            last = self.periodic_at.get(key)
            if every <= 0 or (last is not None and time.monotonic() - last < every):
                continue
            self.periodic_at[key] = time.monotonic()
            module, _, function = target.partition(":")
            try:
                line = getattr(import_module(module), function)()
            except DBAPIError:
                raise
            except Exception:
                log.exception("%s failed; the next round tries again", target)
                continue
            if line:
                self.echo(line)

    def run_once(self) -> bool:
        """Claim and deliver one batch; whether there was anything to do."""
        jobs = services.claim(self.name, self.batch)
        for index, (job_id, kind, payload, attempt) in enumerate(jobs):
            if self.stopping.is_set():  # stopping: the jobs not started go back, due at once
                for left in jobs[index:]:
                    services.release(left[0], self.name)
                self.echo(f"released {len(jobs) - index} job(s) not started")
                break
            try:
                self.report(services.deliver(job_id, kind, payload, attempt, self.name))
                end_session()  # each job starts afresh (what the last one read is not kept open)
            except services.Unsettled as lost:  # the database went away: keep what to write for when it is back
                self.unsettled.append(lost.settle)
                self.unsettled.extend(partial(services.release, left[0], self.name) for left in jobs[index + 1:])
                self.echo(f"job {job_id} {kind} attempt {attempt}: outcome kept until the database is back")
                raise lost.cause from lost
        self.poll_mailboxes()
        return bool(jobs)

    def poll_mailboxes(self) -> None:
        """Read the IMAP mailboxes whose round has come (portal.inbound; each mail its own transaction)."""
        from ..inbound.poll import poll_due  # inbound reaches the request services: loaded when first used

        for line in poll_due():
            self.echo(line)

    def report(self, outcome: services.Outcome) -> None:
        line = f"job {outcome.job_id} {outcome.kind} attempt {outcome.attempt}: {outcome.state}"
        if outcome.retry_in is not None:
            line += f", next attempt in {outcome.retry_in:.0f}s"
        if outcome.error:
            line += f" ({outcome.error})"
        self.echo(line)


def end_session() -> None:
    """Close the app's session; when its connection died with the database, the ROLLBACK that closing
    sends fails (the connection is invalidated by then): drop the session, the next one starts afresh."""
    try:
        db.session.remove()
    except DBAPIError:
        db.session.registry.clear()


def submit_inline(app, key: str) -> None:
    """Deliver the job ``key`` now, in this process: in a small thread pool when MAIL_ASYNC is on (a slow
    SMTP server never delays the page), else before returning. One attempt: there is no worker to retry."""
    global _pool
    if not app.config.get("MAIL_ASYNC", True):
        _inline(app, key)
        return
    if _pool is None:  # created lazily, so each gunicorn worker gets its own after the fork
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portico-outbox")
    _pool.submit(_inline, app, key)


def _inline(app, key: str) -> None:
    with app.app_context():
        try:
            for job_id, kind, payload, attempt in services.claim("inline", 1, key=key):
                services.deliver(job_id, kind, payload, attempt, "inline", retries=False)
        except Exception:  # in a thread nobody would hear of it otherwise; the row stays for a worker
            log.exception("inline delivery of job %s failed", key)
