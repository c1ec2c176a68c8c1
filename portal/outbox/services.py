"""Writing, claiming and settling jobs. Every write here is its own short transaction
(``unit_of_work.separate``) except :func:`enqueue`, which joins the caller's unit of work.

The claim is one statement per dialect family: on PostgreSQL the due rows are selected ``FOR UPDATE SKIP
LOCKED`` (two workers never wait for nor take the same row) and updated to ``running`` with a lease; on
SQLite, which has one writer at a time, the same UPDATE re-checks the state so a row is claimed once.
"""
from __future__ import annotations

import importlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .. import unit_of_work
from ..changes import after_commit
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from .models import DEAD, DONE, FAILED, PENDING, RUNNING, STATES, WAITING, Job

log = logging.getLogger(__name__)
ERROR_LIMIT = 2000  # characters of the last error kept on the row


class Retry(Exception):
    """Raised by a delivery that failed and may work later (the SMTP server is down)."""


class Unsettled(Exception):
    """The database went away before the outcome of a claimed job could be written. ``settle()`` writes it
    (the worker keeps it and calls it once the database answers again); until then the job stays ``running``
    under this worker's lease, so no other worker takes it meanwhile. ``cause`` is the database's error."""

    def __init__(self, settle: Callable[[], object], cause: DBAPIError):
        super().__init__(str(cause))
        self.settle, self.cause = settle, cause


def database_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (refused, reset, timed out), rather than a fault
    of the statement (a constraint): only the first is worth waiting out without using up an attempt."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError))


@dataclass(frozen=True)
class Kind:
    deliver: Callable[[dict], None]
    max_attempts: int = 8
    # Called with the payload once the job is dead (no more attempts): tell someone it did not happen.
    on_dead: Callable[[dict], None] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: str, deliver: Callable[[dict], None], *, max_attempts: int = 8,
             on_dead: Callable[[dict], None] | None = None) -> None:
    """Say how jobs of ``kind`` are delivered. ``deliver(payload)`` returns when done, raises to retry."""
    KINDS[kind] = Kind(deliver, max_attempts, on_dead)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def inline(app=None) -> bool:
    """Whether jobs are delivered in this process right after the commit (no worker): OUTBOX_INLINE, which
    is on by default under TESTING only."""
    app = app or current_app
    value = app.config.get("OUTBOX_INLINE")
    return bool(app.testing if value is None else value)


def enqueue(kind: str, payload: dict, *, key: str | None = None) -> str:
    """Add a job to the current unit of work: it commits with the change, and is rolled back with it.
    Returns its key (a new one unless given; a key already queued is not queued twice)."""
    if kind not in KINDS:
        raise LookupError(f"no delivery registered for jobs of kind {kind!r}")
    key = key or uuid.uuid4().hex
    with db.session.no_autoflush:
        queued = any(isinstance(o, Job) and o.key == key for o in db.session.new) or \
            db.session.scalar(select(Job.id).where(Job.key == key)) is not None
    if not queued:
        db.session.add(Job(kind=kind, payload=payload, key=key, state=PENDING, attempts=0, run_after=now()))
        if inline():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            after_commit(_deliver_inline, app, key)
    return key


# ------------------------------------------------------------------------------------------ claiming

def _claimable(at: datetime, due_by: datetime | None = None):
    return or_(and_(Job.state.in_(WAITING), Job.run_after <= (due_by or at)),
               and_(Job.state == RUNNING, Job.lease_until < at))  # its worker died: the lease ran out


def claim(worker: str, limit: int = 10, *, key: str | None = None,
          due_by: datetime | None = None) -> list[tuple[int, str, dict, int]]:
    """Take up to ``limit`` jobs due (by ``due_by``, else now) for ``worker``: ``(id, kind, payload, attempt)``
    each, leased for OUTBOX_LEASE seconds. The attempt is counted now, so a worker dying mid-delivery still
    uses one up."""
    at = now()
    lease = at + timedelta(seconds=current_app.config.get("OUTBOX_LEASE", 300))
    with unit_of_work.separate("a worker claims jobs in a transaction of its own") as session:
        due = select(Job.id).where(_claimable(at, due_by))
        if key is not None:
            due = due.where(Job.key == key)
        ids = session.scalars(due.order_by(Job.run_after, Job.id).limit(limit)
                              .with_for_update(skip_locked=True)).all()
        if not ids:
            return []
        rows = session.execute(
            update(Job).where(Job.id.in_(ids), _claimable(at, due_by))
            .values(state=RUNNING, worker=worker, lease_until=lease, attempts=Job.attempts + 1, updated_at=at)
            .returning(Job.id, Job.kind, Job.payload, Job.attempts)
            .execution_options(synchronize_session=False)).all()
    return sorted((row[0], row[1], row[2], row[3]) for row in rows)


def _settle(job_id: int, holder: str, **values) -> bool:
    """Write the outcome of a job still held by ``holder`` (a lease taken over by another is left alone)."""
    with unit_of_work.separate("a worker records how a delivery went") as session:
        result = session.execute(update(Job).where(Job.id == job_id, Job.state == RUNNING, Job.worker == holder)
                                 .values(updated_at=now(), **values)
                                 .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(job_id: int, worker: str) -> None:
    """Give back a job claimed but not started (the worker is stopping): due again at once, attempt unused."""
    _settle(job_id, worker, state=PENDING, lease_until=None, worker=None, attempts=Job.attempts - 1)


def release_held(worker: str) -> int:
    """Give back every job ``worker`` still holds (due at once, attempt unused): after the database was
    away, a claim whose answer was lost may have left jobs leased to it that it never saw. Returns how many."""
    with unit_of_work.separate("a worker gives back jobs it lost track of") as session:
        result = session.execute(update(Job).where(Job.state == RUNNING, Job.worker == worker)
                                 .values(state=PENDING, lease_until=None, worker=None, attempts=Job.attempts - 1,
                                         updated_at=now())
                                 .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def backoff(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: doubling from OUTBOX_RETRY_BASE up to OUTBOX_RETRY_CAP, with
    half of it random so that jobs failed together do not all come back together."""
    config = current_app.config
    delay = min(config.get("OUTBOX_RETRY_CAP", 3600), config.get("OUTBOX_RETRY_BASE", 10) * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass
class Outcome:
    job_id: int
    kind: str
    attempt: int
    state: str
    error: str | None = None
    retry_in: float | None = None


def deliver(job_id: int, kind: str, payload: dict, attempt: int, worker: str, *, retries: bool = True) -> Outcome:
    """Run one claimed job and record the outcome. Without ``retries`` (inline delivery: no worker will come
    back to it) a failure is final. Raises :class:`Unsettled` when the database went away meanwhile."""
    handler = KINDS.get(kind)
    try:
        if handler is None:
            raise LookupError(f"no delivery registered for jobs of kind {kind!r}")
        handler.deliver(payload)
    except Exception as exc:
        if database_lost(exc):
            # The kind reads or logs through the database, which went away: not the receiver's failure, and
            # whether the side effect happened is unknown. The job goes back once the database answers, its
            # attempt unused; a repeat carries the same key, so a receiver can drop it.
            raise Unsettled(partial(release, job_id, worker), exc) from exc  # type: ignore[arg-type]
        error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
        if not isinstance(exc, Retry):
            log.exception("job %s (%s) failed", job_id, kind)
        if retries and handler is not None and attempt < handler.max_attempts:
            delay = backoff(attempt)
            _write(partial(_settle, job_id, worker, state=FAILED, last_error=error, lease_until=None, worker=None,
                           run_after=now() + timedelta(seconds=delay)))
            return Outcome(job_id, kind, attempt, FAILED, error, delay)
        _write(partial(_bury, job_id, kind, payload, handler, worker, error))
        return Outcome(job_id, kind, attempt, DEAD, error)
    _write(partial(_settle, job_id, worker, state=DONE, lease_until=None, last_error=None))
    return Outcome(job_id, kind, attempt, DONE)


def _write(settle: Callable[[], object]) -> None:
    """Write an outcome now, or hand it to the worker in :class:`Unsettled` when the database is gone."""
    try:
        settle()
    except DBAPIError as exc:
        if not database_lost(exc):
            raise
        raise Unsettled(settle, exc) from exc


def _bury(job_id: int, kind: str, payload: dict, handler: Kind | None, worker: str, error: str) -> None:
    if _settle(job_id, worker, state=DEAD, last_error=error, lease_until=None):
        _report_dead(job_id, kind, payload, handler)


def _report_dead(job_id: int, kind: str, payload: dict, handler: Kind | None) -> None:
    log.error("job %s (%s) is dead: out of attempts", job_id, kind)
    if handler is not None and handler.on_dead is not None:
        try:
            handler.on_dead(payload)
        except Exception:
            log.exception("job %s (%s): reporting that it is dead failed too", job_id, kind)


def _deliver_inline(app, key: str) -> None:
    """After the commit, in this process: one attempt now (in the mail thread pool when MAIL_ASYNC is on)."""
    from .worker import submit_inline

    submit_inline(app, key)


def run_pending(worker: str = "inline", *, limit: int = 100) -> list[Outcome]:
    """Deliver every job due now, once each: a retry it schedules waits for the next run (tests and
    ``flask worker --once``)."""
    outcomes: list[Outcome] = []
    started = now()
    while True:
        jobs = claim(worker, limit, due_by=started)
        if not jobs:
            return outcomes
        for job_id, kind, payload, attempt in jobs:
            outcomes.append(deliver(job_id, kind, payload, attempt, worker))


def function_path(function: Callable) -> str:
    """``module:name`` of a module-level function, to store in a payload."""
    return f"{function.__module__}:{function.__qualname__}"


def resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# ------------------------------------------------------------------------------------------ seeing it

def counts() -> dict[str, int]:
    rows = db.session.execute(select(Job.state, func.count(Job.id)).group_by(Job.state)).all()
    found = {state: 0 for state in STATES}
    found.update({state: count for state, count in rows})
    return found


def oldest_pending_age() -> float | None:
    """Seconds the longest-waiting job not yet delivered has been waiting (None when there is none)."""
    oldest = db.session.scalar(select(func.min(Job.created_at)).where(Job.state.in_((PENDING, FAILED, RUNNING))))
    return None if oldest is None else max(0.0, (now() - oldest).total_seconds())


# ------------------------------------------------------------------------------------------ retention

PRUNE_BATCH = 500  # rows deleted per transaction: short locks, and a big backlog goes bit by bit


def prune(at: datetime | None = None) -> dict[str, int]:
    """Delete history past its retention: jobs ``done`` longer than OUTBOX_KEEP_DONE seconds, jobs ``dead``
    longer than OUTBOX_KEEP_DEAD (0 keeps them until an administrator discards them), webhook delivery log rows
    older than WEBHOOK_LOG_KEEP, search change-log rows older than SEARCH_CHANGE_KEEP, and DeskPRO's temp blobs
    past their 24 hours with their stored files (portal.rest.deskpro.blobs.purge_expired). Each batch is its
    own short transaction. Returns the counts deleted."""
    config = current_app.config
    at = at or now()
    deleted = {"done": 0, "dead": 0, "webhook_delivery": 0}
    for state, setting, default in ((DONE, "OUTBOX_KEEP_DONE", 7 * 86400), (DEAD, "OUTBOX_KEEP_DEAD", 0)):
        keep = float(config.get(setting, default) or 0)
        if keep <= 0:
            continue
        cutoff = at - timedelta(seconds=keep)
        while True:
            with unit_of_work.separate("the worker prunes old jobs") as session:
                # run_after <= updated_at, so the (state, run_after) index narrows the rows to look at
                ids = session.scalars(select(Job.id).where(Job.state == state, Job.run_after < cutoff,
                                                           Job.updated_at < cutoff).limit(PRUNE_BATCH)).all()
                if ids:
                    session.execute(delete(Job).where(Job.id.in_(ids), Job.state == state)
                                    .execution_options(synchronize_session=False))
            deleted[state] += len(ids)
            if len(ids) < PRUNE_BATCH:
                break
    keep = float(config.get("WEBHOOK_LOG_KEEP", 30 * 86400) or 0)
    if keep > 0:
        deleted["webhook_delivery"] = _prune_delivery_log(at - timedelta(seconds=keep))
    from ..rest.deskpro.blobs import purge_expired
    from ..search import changelog

    deleted["search_change"] = changelog.prune(at)
    deleted.update(purge_expired(at))
    if any(deleted.values()):
        log.info("pruned %s", deleted)
    return deleted


def _prune_delivery_log(cutoff: datetime) -> int:
    """Delete the delivery log's rows older than ``cutoff``, taking them by id (ids grow with time, and the
    primary key is the index that serves this: no scan of the whole log); it stops at the first batch that
    holds a recent row."""
    from ..webhooks.models import WebhookDelivery

    total = 0
    while True:
        with unit_of_work.separate("the worker prunes the webhook delivery log") as session:
            rows = session.execute(select(WebhookDelivery.id, WebhookDelivery.created_at)
                                   .order_by(WebhookDelivery.id).limit(PRUNE_BATCH)).all()
            old = [row_id for row_id, created in rows if created < cutoff]
            if old:
                session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old))
                                .execution_options(synchronize_session=False))
        total += len(old)
        if len(old) < PRUNE_BATCH:  # a newer row (or the end) was reached
            return total


# ------------------------------------------------------------------------------------------ administrators

SHOWN = (PENDING, FAILED, DEAD)  # the states the administrators' page lists (done jobs are history)


def _require_admin(actor) -> None:
    from ..accounts.admin import require_admin

    require_admin(actor)


def jobs_query(actor, state: str | None = None):
    """Jobs not delivered (pending, failed, dead; or one of them), the most recently changed first.
    Raises Forbidden for anyone but an administrator, ValidationFailed for another state."""
    _require_admin(actor)
    if state and state not in SHOWN:
        raise ValidationFailed(("state", gettext("Choose one of %(states)s.", states=", ".join(SHOWN))))
    states = (state,) if state else SHOWN
    return select(Job).where(Job.state.in_(states)).order_by(Job.updated_at.desc(), Job.id.desc())


def _job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(gettext("No such job."))
    return job


def retry_job(actor, job_id: int) -> Job:
    """Make a failed or dead job due now, with its attempts counted afresh. Raises Forbidden, NotFound,
    Conflict for a job being delivered or already delivered."""
    _require_admin(actor)
    job = _job(job_id)
    if job.state not in SHOWN:
        raise Conflict(gettext("This job is %(state)s: only pending, failed or dead jobs can be retried.",
                               state=job.state))
    job.state, job.run_after, job.attempts, job.lease_until, job.worker = PENDING, now(), 0, None, None
    db.session.flush()
    return job


def discard_job(actor, job_id: int) -> Job:
    """Delete a job not being delivered: it will never be delivered. Raises Forbidden, NotFound, Conflict."""
    _require_admin(actor)
    job = _job(job_id)
    if job.state not in SHOWN:
        raise Conflict(gettext("This job is %(state)s: only pending, failed or dead jobs can be discarded.",
                               state=job.state))
    db.session.delete(job)
    db.session.flush()
    return job


__all__ = ["DEAD", "DONE", "Retry", "Unsettled", "claim", "counts", "database_lost", "deliver", "discard_job",
           "enqueue", "jobs_query", "oldest_pending_age", "prune", "register", "release", "release_held", "retry_job",
           "run_pending"]
