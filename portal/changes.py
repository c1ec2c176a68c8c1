"""The change feed: what one transaction wrote, handed to every subscriber once it is committed.

Why one feed: the page cache, the short-lived home and settings caches, the search index and mail all need
to know "what did this unit of work change", and each must forget it when the work is rolled back. One
tracker on the app's session records it; subscribers only translate a :class:`ChangeSet` into their own
terms. A new subscriber is one :func:`subscribe` call in its ``init_app``.

What is recorded, per transaction:

- ``tables``: every table written, by an ORM flush or by an INSERT/UPDATE/DELETE statement run through the
  session (bulk statements skip the flush). Raw SQL other than SELECT records :data:`EVERY_TABLE`.
- ``rows``: ``table -> ids`` of the rows an ORM flush wrote (new, changed or deleted).
- ``owners``: ``table -> ids`` of the parents whose content changed with a child row: a note's request, a
  post's topic. A model names its parent with ``change_owner = ("request", "request_id")`` (or a function of
  the instance). A child moved to another parent changes both: the old parent is read before the flush.
- ``unowned``: tables written where the parent is not known (a bulk statement): subscribers widen to "all".
- ``calls``: work queued with :func:`after_commit` (mail), run once the commit stands.

Two moments reach subscribers. ``in_transaction`` subscribers run inside the commit, after the last flush
and before COMMIT, on the transaction's connection (the page cache raises its generation numbers there, so
every process sees them with the rows). ``committed`` subscribers run after COMMIT; they may not use the
session (it is between transactions), and a failure in one is logged, never undoes the commit, and never
stops the others. A rollback drops the change set for all of them; a savepoint rolled back keeps the outer
transaction's record (recording too much is harmless: subscribers re-read committed rows).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from sqlalchemy import TextClause, event, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
EVERY_TABLE = "*"
_KEY = "portico_changes"  # session.info: the ChangeSet of the transaction in progress


@dataclass
class ChangeSet:
    tables: set[str] = field(default_factory=set)
    rows: dict[str, set[int]] = field(default_factory=dict)
    owners: dict[str, set[int]] = field(default_factory=dict)
    unowned: set[str] = field(default_factory=set)
    calls: list[tuple[Callable, tuple, dict]] = field(default_factory=list)

    def wrote(self, *tables: str) -> bool:
        """Whether any of ``tables`` was written (always true after raw SQL)."""
        return EVERY_TABLE in self.tables or any(table in self.tables for table in tables)

    def ids(self, table: str) -> set[int]:
        """The ids of ``table``'s rows whose content changed: written themselves, or through a child."""
        return self.rows.get(table, set()) | self.owners.get(table, set())

    def add_rows(self, table: str, ids) -> None:
        self.rows.setdefault(table, set()).update(i for i in ids if i is not None)

    def add_owners(self, table: str, ids) -> None:
        self.owners.setdefault(table, set()).update(i for i in ids if i is not None)

    def __bool__(self) -> bool:
        return bool(self.tables or self.rows or self.owners or self.calls)


InTransaction = Callable[[ChangeSet, Connection], None]
Committed = Callable[[ChangeSet], None]
_in_transaction: list[InTransaction] = []
_committed: list[Committed] = []


def subscribe(committed: Committed | None = None, *, in_transaction: InTransaction | None = None) -> None:
    """Register a subscriber (once per process; registering the same function again does nothing)."""
    if committed is not None and committed not in _committed:
        _committed.append(committed)
    if in_transaction is not None and in_transaction not in _in_transaction:
        _in_transaction.append(in_transaction)


def current(session: Session | None = None) -> ChangeSet:
    """The change set of the transaction in progress (created on first use)."""
    if session is None:
        from .extensions import db
        session = db.session()
    return session.info.setdefault(_KEY, ChangeSet())


def pending(session: Session | None = None) -> bool:
    """Whether the transaction in progress has written to the database yet (flushed or by a statement)."""
    if session is None:
        from .extensions import db
        session = db.session()
    changes = session.info.get(_KEY)
    return changes is not None and bool(changes.tables)


def after_commit(fn: Callable, *args, **kwargs) -> None:
    """Run ``fn(*args, **kwargs)`` once the current transaction commits; never if it rolls back. It runs
    outside the session: pass plain values (strings, dicts, ids), never ORM objects to load."""
    current().calls.append((fn, args, kwargs))


def record(table: str, ids) -> None:
    """Record rows changed by a bulk statement whose ids the caller knows (a bulk statement itself only
    records its table), so that row-level subscribers (search) see them."""
    current().add_rows(table, ids)


# ------------------------------------------------------------------------------------------ the tracker

def _owner(instance) -> tuple[str, Any] | None:
    """(parent table, parent id) of a child row, or None. Never loads anything during a flush but the
    attribute the model names."""
    spec = getattr(type(instance), "change_owner", None)
    if spec is None:
        return None
    table, how = spec
    if callable(how):
        return table, how(instance)
    value = instance.__dict__.get(how)
    if value is None:
        state = inspect(instance)
        if state.expired_attributes and how in state.expired_attributes and not state.was_deleted:
            try:  # expired since the last commit: the row is still there
                value = getattr(instance, how)
            except Exception:
                log.warning("changes: could not read %s.%s", type(instance).__name__, how)
    return table, value


def _identity(instance):
    state = inspect(instance)
    return state.identity[0] if state.identity else instance.__dict__.get("id")


def _before_flush(session: Session, _context, _instances) -> None:
    changes = current(session)
    # Deleted children: their parent must be known before the row goes (an expired child cannot load it after).
    for instance in session.deleted:
        owner = _owner(instance)
        if owner is not None:
            changes.add_owners(owner[0], [owner[1]])
        hook = getattr(type(instance), "changed_with_deletion", None)
        if hook is not None:
            for table, ids in hook(session, instance).items():
                changes.add_owners(table, ids)
    # Moved children (a post to another topic, a note merged into another request) change the old parent
    # too: read it from the row before this flush updates it.
    moved: dict[Any, list] = {}
    for instance in session.dirty:
        spec = getattr(type(instance), "change_owner", None)
        if spec is not None and not callable(spec[1]) and hasattr(type(instance), "id") and inspect(instance).identity:
            moved.setdefault(type(instance), []).append(inspect(instance).identity[0])
    for model, ids in moved.items():
        table, attribute = model.change_owner
        with session.no_autoflush:
            parents = session.scalars(select(getattr(model, attribute)).where(model.id.in_(ids))).all()
        changes.add_owners(table, parents)


def _after_flush(session: Session, _context) -> None:
    changes = current(session)
    for instance in chain(session.new, session.dirty, session.deleted):
        mapper = getattr(instance, "__mapper__", None)
        if mapper is None:
            changes.tables.add(EVERY_TABLE)
            continue
        table = mapper.local_table.name
        changes.tables.update(t.name for t in mapper.tables)
        changes.add_rows(table, [_identity(instance)])
        owner = _owner(instance)
        if owner is not None:
            if owner[1] is None:
                changes.unowned.add(table)
            else:
                changes.add_owners(owner[0], [owner[1]])


def _executed(state) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        name = getattr(getattr(statement, "table", None), "name", None)
        changes = current(state.session)
        changes.tables.add(name or EVERY_TABLE)
        changes.unowned.add(name or EVERY_TABLE)
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() != "SELECT":
        current(state.session).tables.add(EVERY_TABLE)
        current(state.session).unowned.add(EVERY_TABLE)


def _before_commit(session: Session) -> None:
    session.flush()  # the commit would flush these last changes after this hook: record them now
    changes = session.info.get(_KEY)
    if not changes or not _in_transaction:
        return
    connection = session.connection()
    for subscriber in _in_transaction:
        subscriber(changes, connection)


def _after_commit(session: Session) -> None:
    changes = session.info.pop(_KEY, None)
    if not changes:
        return
    for subscriber in _committed:
        try:
            subscriber(changes)
        except Exception:  # the commit stands; each subscriber repairs its own state (reindex, expiry)
            log.exception("change subscriber %s failed", getattr(subscriber, "__qualname__", subscriber))
    for fn, args, kwargs in changes.calls:
        try:
            fn(*args, **kwargs)
        except Exception:  # a failed side effect never undoes a committed change
            log.exception("after-commit call %s failed", getattr(fn, "__qualname__", fn))


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_KEY, None)


_LISTENERS = (("before_flush", _before_flush), ("after_flush", _after_flush), ("do_orm_execute", _executed),
              ("before_commit", _before_commit), ("after_commit", _after_commit),
              ("after_soft_rollback", _after_soft_rollback))


def init_app(app) -> None:
    """Track the app's session (Flask-SQLAlchemy's scoped session: its own Session class, never
    SQLAlchemy's base class, so other sessions in the process are not watched)."""
    from .extensions import db

    for name, listener in _LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
