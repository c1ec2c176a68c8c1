"""Work that must happen only after the database commit: mail, search indexing.

Deferred calls run inside SQLAlchemy's after_commit event, where the session can no longer
emit SQL: pass them plain values (strings, dicts), never ORM objects to load.

``defer(fn, *args)`` queues a call on the current session; it runs after a successful commit
and is dropped on rollback, so nothing is mailed or indexed for a change that did not stand.
"""
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "portico_deferred"


def defer(fn, *args, **kwargs) -> None:
    from .extensions import db

    db.session.info.setdefault(_KEY, []).append((fn, args, kwargs))


@event.listens_for(Session, "after_commit")
def _run(session):
    calls = session.info.pop(_KEY, [])
    for fn, args, kwargs in calls:
        try:
            fn(*args, **kwargs)
        except Exception:  # a failed side effect never undoes a committed change
            log.exception("deferred %s failed", getattr(fn, "__name__", fn))


@event.listens_for(Session, "after_rollback")
def _drop(session):
    session.info.pop(_KEY, None)
