"""The transactional outbox: side effects of a change written as jobs in the change's own transaction,
delivered at least once by workers (``flask worker``), with retries, then a dead state.

- :func:`enqueue` ``(kind, payload, key=...)`` adds a job to the current unit of work.
- :func:`register` says how a kind is delivered (mail registers ``mail`` in portal.mail).
- :func:`run_pending` delivers what is due now (tests, ``flask worker --once``).

With OUTBOX_INLINE (on under TESTING unless set) a job is delivered in the committing process right after
the commit, one attempt, as mail was before the outbox; without it a worker must run (``make run`` starts one).
"""
from .services import Retry, enqueue, inline, register, run_pending  # noqa: F401


def init_app(app) -> None:
    from .cli import outbox_group, worker_command

    app.cli.add_command(worker_command)
    app.cli.add_command(outbox_group)
