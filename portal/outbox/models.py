"""A job: one side effect of a committed change (a mail, later a webhook delivery), written in the same
transaction as the change, so it exists exactly when the change committed.

States: ``pending`` (due at ``run_after``), ``running`` (claimed by a worker until ``lease_until``; a lease
run out means the worker died and the job is claimed again), ``done``, ``failed`` (an attempt failed, set
while the next attempt waits: shown as pending to workers through ``run_after``) and ``dead`` (out of attempts).
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..dates import utcnow
from ..extensions import Model

PENDING, RUNNING, DONE, FAILED, DEAD = "pending", "running", "done", "failed", "dead"
STATES = (PENDING, RUNNING, FAILED, DONE, DEAD)
WAITING = (PENDING, FAILED)  # states a worker may claim once run_after has come


class Job(Model):
    __tablename__ = "job"
    __table_args__ = (
        # The claim: due jobs in order (state, run_after), and leases run out (state, lease_until).
        Index("ix_job_state_run_after", "state", "run_after"),
        Index("ix_job_state_lease_until", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    # What a receiver uses to drop a repeat (a mail's Message-ID); one job per key.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(80))  # who holds the lease, for the status lines
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
