"""The search change log: how each host keeps its own Whoosh index current when several hosts share one
database (docs/scaling.md).

Every commit that changes searchable rows also writes, in the same transaction (an ``in_transaction``
subscriber of the change feed), one ``search_change`` row per document: (kind, scope, row id). A host keeps
in its index folder the id of the last row it applied (``changelog-position``), and :func:`catch_up` applies
the rows after it: documents are rebuilt from the committed rows, so applying a row twice, or one another
host already applied, is harmless. The host that made a change still indexes it at once after the commit
(hooks.py); the others pick it up at their next catch-up (the worker runs one every SEARCH_CATCH_UP_EVERY
seconds, ``flask search catch-up`` runs one).

Ids come from a sequence, and on PostgreSQL a transaction holding a lower id may commit after one holding a
higher id: a gap in the ids read may fill in later. The position therefore stops before the first gap
younger than SEARCH_GAP_WAIT seconds (rows after it are applied now and again later); an older gap is a
rolled-back transaction's and is passed.

A new host (no position yet, no documents in its index) notes the newest id, builds its indexes from the
database (as ``flask search reindex`` does), and starts from that id. A host upgraded to this version (no
position, but an index its own commits kept current) starts from the newest id without a rebuild.
Rows older than SEARCH_CHANGE_KEEP seconds are pruned with the outbox's
history; a host that was away longer rebuilds.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import DateTime, Integer, String, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import changes
from ..extensions import Model, db

log = logging.getLogger(__name__)
POSITION_FILE = "changelog-position"
BATCH = 2000


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SearchChange(Model):
    """One document changed by a committed transaction (written in that transaction)."""

    __tablename__ = "search_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # kb, forums, requests
    scope: Mapped[str] = mapped_column(String(20))  # pages, topics, requests... (hooks.SCOPE_TABLES)
    row_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)


def log_changes(change_set: changes.ChangeSet, connection: Connection) -> None:
    """In the committing transaction: one row per document it changes."""
    from .hooks import documents_changed

    found = documents_changed(change_set)
    if not found:
        return
    at = _now()
    rows = [{"kind": kind, "scope": scope, "row_id": row_id, "created_at": at}
            for kind, scopes in found.items() for scope, ids in scopes.items() for row_id in sorted(ids)]
    connection.execute(insert(SearchChange), rows)


# ------------------------------------------------------------------------------------------ position

def _position_path(index) -> Path:
    return Path(index.path) / POSITION_FILE


def position(index=None) -> int | None:
    """The id of the last change this host applied (None: none yet, the index must be built first)."""
    index = index or current_app.extensions["portico_search"]
    try:
        return int(json.loads(_position_path(index).read_text())["position"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_position(value: int, index=None) -> None:
    index = index or current_app.extensions["portico_search"]
    folder = Path(index.path)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".position-")
    with os.fdopen(fd, "w") as fh:
        json.dump({"position": value, "saved_at": _now().isoformat(timespec="seconds")}, fh)
    os.replace(tmp, _position_path(index))


def newest(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(SearchChange.id), 0))) or 0


# ------------------------------------------------------------------------------------------ catching up

def catch_up(*, limit: int = BATCH) -> int:
    """Apply the committed changes after this host's position; returns how many rows were read. Without a
    position (a new host, or one that lost its index) the indexes are rebuilt first."""
    from . import KINDS
    from .cli import rebuild
    from .hooks import write_changes

    index = current_app.extensions["portico_search"]
    gap_wait = timedelta(seconds=float(current_app.config.get("SEARCH_GAP_WAIT", 30)))
    start = position(index)
    if start is None:
        with Session(db.engine) as session:
            start = newest(session)
        if not _holds_documents(index):  # a new host: build from the database (an existing host's index
            for kind in KINDS:  # was kept current by its own commits: it follows from here)
                rebuild(kind)
        save_position(start, index)
        log.info("search index ready; following the change log from %s", start)
    with Session(db.engine) as session:
        rows = session.execute(select(SearchChange.id, SearchChange.kind, SearchChange.scope, SearchChange.row_id,
                                      SearchChange.created_at)
                               .where(SearchChange.id > start).order_by(SearchChange.id).limit(limit)).all()
        first_kept = session.scalar(select(func.min(SearchChange.id)))
    if not rows:
        return 0
    if first_kept is not None and first_kept > start + 1 and start > 0 and rows[0].id == first_kept:
        log.warning("search change log pruned past this host's position %s; run `flask search reindex`", start)
    found: dict = {}
    for row in rows:
        found.setdefault(row.kind, {}).setdefault(row.scope, set()).add(row.row_id)
    write_changes(index, found)
    # Advance to the last row before a gap that may still fill in (a transaction not yet committed).
    cutoff = _now() - gap_wait
    reached, expected = start, start + 1
    for row in rows:
        if row.id != expected and row.created_at > cutoff:
            break
        reached, expected = row.id, row.id + 1
    if reached != start:
        save_position(reached, index)
    return len(rows)


def _holds_documents(index) -> bool:
    from . import KINDS, SearchUnavailable

    for kind in KINDS:
        try:
            if index.doc_count(kind):
                return True
        except (SearchUnavailable, OSError):
            continue
    return False


def status(session: Session, index=None) -> dict:
    """This host's position, the newest change, how many rows it is behind and the age of the oldest."""
    at = position(index)
    latest = newest(session)
    behind = 0 if at is None else session.scalar(select(func.count(SearchChange.id))
                                                 .where(SearchChange.id > at)) or 0
    oldest = None if at is None else session.scalar(select(func.min(SearchChange.created_at))
                                                    .where(SearchChange.id > at))
    return {"position": at, "newest": latest, "behind": behind,
            "lag_seconds": None if oldest is None else max(0.0, (_now() - oldest).total_seconds())}


def prune(at: datetime | None = None) -> int:
    """Delete change rows older than SEARCH_CHANGE_KEEP seconds (0: keep all); returns how many."""
    keep = float(current_app.config.get("SEARCH_CHANGE_KEEP", 7 * 86400) or 0)
    if keep <= 0:
        return 0
    cutoff = (at or _now()) - timedelta(seconds=keep)
    from .. import unit_of_work

    total = 0
    while True:
        with unit_of_work.separate("the worker prunes the search change log") as session:
            ids = session.scalars(select(SearchChange.id).where(SearchChange.created_at < cutoff)
                                  .order_by(SearchChange.id).limit(BATCH)).all()
            if ids:
                session.execute(delete(SearchChange).where(SearchChange.id.in_(ids))
                                .execution_options(synchronize_session=False))
        total += len(ids)
        if len(ids) < BATCH:
            return total


def init_app(app) -> None:
    changes.subscribe(in_transaction=log_changes)
