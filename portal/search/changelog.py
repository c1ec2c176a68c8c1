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

A host does not write its own changes twice: each row carries the id of the index that wrote it in-process
(``host``: a random id kept in the index folder, ``changelog-host``, with the machine's name and the
folder's path), and catch-up skips the rows of its own id. The id is made anew whenever the index is
rebuilt (``flask search reindex``, a new host's first catch-up) or the folder turns up on another machine or
path (a copied disk), so rows written into an index that was since replaced are applied again. An
in-process write that failed marks the index (``changelog-replay``): catch-up then applies its own rows too
up to the newest row at that moment. Spooled writes (writer.py) stay on the host: catch-up drains them.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import DateTime, Integer, String, delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import changes
from ..extensions import Model, db

log = logging.getLogger(__name__)
POSITION_FILE = "changelog-position"
HOST_FILE = "changelog-host"
REPLAY_FILE = "changelog-replay"
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
    # The id of the index that applied this change in-process (host_id); its catch-up skips the row.
    host: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=_now, index=True)


def log_changes(change_set: changes.ChangeSet, connection: Connection) -> None:
    """In the committing transaction: one row per document it changes."""
    from .hooks import documents_changed

    found = documents_changed(change_set)
    if not found:
        return
    at = _now()
    # Tagged only where the commit's own process indexes it (hooks.index_committed: an app with an index).
    host = host_id() if has_app_context() and "portico_search" in current_app.extensions else None
    rows = [{"kind": kind, "scope": scope, "row_id": row_id, "created_at": at, "host": host}
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


def save_position(value: int, index=None, *, new_host: bool = False) -> None:
    """Note ``value`` as applied; ``new_host``: the index was just built, so it gets a new id (rows of the
    old id, written into the index it replaced, are no longer skipped)."""
    index = index or current_app.extensions["portico_search"]
    if new_host:
        new_host_id(index)
    _write_json(index, POSITION_FILE, {"position": value, "saved_at": _now().isoformat(timespec="seconds")})


def _write_json(index, name: str, value: dict) -> None:
    folder = Path(index.path)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    with os.fdopen(fd, "w") as fh:
        json.dump(value, fh)
    os.replace(tmp, folder / name)


def _read_json(index, name: str) -> dict | None:
    try:
        value = json.loads((Path(index.path) / name).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# ------------------------------------------------------------------------------------------ host id

def _where(index) -> dict:
    return {"node": socket.gethostname(), "path": str(Path(index.path).resolve())}


def new_host_id(index=None) -> str:
    """Give this host's index a new id (after a rebuild); returns it."""
    index = index or current_app.extensions["portico_search"]
    value = uuid.uuid4().hex
    _write_json(index, HOST_FILE, {"host": value, **_where(index)})
    (Path(index.path) / REPLAY_FILE).unlink(missing_ok=True)  # the rebuild holds every earlier change
    return value


def host_id(index=None) -> str | None:
    """The id of this host's index: the rows its commits log carry it, and its catch-up skips them. None
    when the index has none yet (its first catch-up or reindex gives it one) or its folder was copied from
    another machine or path (nothing is skipped then). Read from the folder, kept while the file is
    unchanged (one stat per commit)."""
    index = index or current_app.extensions["portico_search"]
    path = Path(index.path) / HOST_FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_ino, stat.st_size)
    kept = getattr(index, "_changelog_host", None)
    if kept is not None and kept[0] == key:
        return kept[1]
    value = _read_json(index, HOST_FILE) or {}
    where = _where(index)
    found = value.get("host") if all(value.get(k) == v for k, v in where.items()) else None
    found = found if isinstance(found, str) and 0 < len(found) <= 32 else None
    index._changelog_host = (key, found)
    return found


def written_in_process_failed(index=None) -> None:
    """An in-process index write failed: catch-up applies this host's own rows again, up to the newest."""
    index = index or current_app.extensions["portico_search"]
    with Session(db.engine) as session:
        until = newest(session)
    earlier = (_read_json(index, REPLAY_FILE) or {}).get("until")
    _write_json(index, REPLAY_FILE, {"until": max(until, earlier if isinstance(earlier, int) else 0)})


def _replay_until(index) -> int | None:
    until = (_read_json(index, REPLAY_FILE) or {}).get("until")
    return until if isinstance(until, int) else None


def newest(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(SearchChange.id), 0))) or 0


# ------------------------------------------------------------------------------------------ catching up

def catch_up(*, limit: int = BATCH) -> int:
    """Apply the committed changes after this host's position; returns how many rows were read. Without a
    position (a new host, or one that lost its index) the indexes are rebuilt first."""
    from . import all_kinds
    from .cli import rebuild
    from .hooks import write_changes

    index = current_app.extensions["portico_search"]
    gap_wait = timedelta(seconds=float(current_app.config.get("SEARCH_GAP_WAIT", 30)))
    start = position(index)
    if start is None:
        with Session(db.engine) as session:
            start = newest(session)
        built = not _holds_documents(index)
        if built:  # a new host: build from the database (an existing host's index
            for kind in all_kinds():  # was kept current by its own commits: it follows from here)
                rebuild(kind)
        save_position(start, index, new_host=built or host_id(index) is None)
        log.info("search index ready; following the change log from %s", start)
    elif host_id(index) is None:  # upgraded, or the folder came from elsewhere: rows from now on are its own
        new_host_id(index)
    drain_spool(index)  # this host's writes that found the lock busy
    with Session(db.engine) as session:
        rows = session.execute(select(SearchChange.id, SearchChange.kind, SearchChange.scope, SearchChange.row_id,
                                      SearchChange.created_at, SearchChange.host)
                               .where(SearchChange.id > start).order_by(SearchChange.id).limit(limit)).all()
        first_kept = session.scalar(select(func.min(SearchChange.id)))
    if not rows:
        return 0
    if first_kept is not None and first_kept > start + 1 and start > 0 and rows[0].id == first_kept:
        log.warning("search change log pruned past this host's position %s; run `flask search reindex`", start)
    me, replay = host_id(index), _replay_until(index)
    found: dict = {}
    for row in rows:
        if me is not None and row.host == me and (replay is None or row.id > replay):
            continue  # this host's index applied it when it was committed
        found.setdefault(row.kind, {}).setdefault(row.scope, set()).add(row.row_id)
    if found:
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
    if replay is not None and reached >= replay:
        (Path(index.path) / REPLAY_FILE).unlink(missing_ok=True)
    return len(rows)


def drain_spool(index) -> None:
    from . import KINDS
    from .documents import apply
    from .writer import spooled

    for kind in (*KINDS, *index.language_kinds()):
        if spooled(index, kind):
            try:
                index.drain(kind, apply)
            except Exception:
                log.exception("spooled search changes for %s could not be applied", kind)


def _holds_documents(index) -> bool:
    from . import KINDS, SearchUnavailable

    for kind in KINDS:  # (the default language's: further languages follow it)
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
