"""Writing the indexes: locked writes with a spool, and full rebuilds.

Each content type has its own index in a sub-folder of SEARCH_INDEX_DIR. Writers from several gunicorn
workers share one write lock per index. A writer waits ``SEARCH_LOCK_TIMEOUT`` seconds for it (default 0:
not at all); when another process holds it, the change is not lost and nobody waits: its identities go
to a spool folder, and the holder drains the spool after its own commit (so does the next writer).
Documents are always rebuilt from the committed database rows while the lock is held, so replaying an
identity twice, or out of order, is harmless and the last writer always writes the latest state.
"""
import json
import logging
import os
import uuid
from pathlib import Path

from whoosh.index import LockError
from whoosh.writing import CLEAR

from .schema import schema_for

log = logging.getLogger(__name__)


def write(index, changes: dict, apply) -> bool:
    """Apply ``changes`` (kind -> {scope: set of ids}) with ``apply(kind, writer, changes)``.

    Returns True when written now, False when spooled for the next writer. Raises what the index raises
    on damage (the caller logs it; the database change stands)."""
    written = True
    for kind, kind_changes in changes.items():
        if not any(kind_changes.values()):
            continue
        # During a rebuild the lock is held for minutes: spool at once rather than wait.
        timeout = 0 if _rebuilding(index, kind).exists() else index.lock_timeout
        if not _write_kind(index, kind, kind_changes, apply, timeout=timeout):
            spool(index, kind, kind_changes)
            # The holder may have drained the spool just before we wrote it: try once more.
            written = _write_kind(index, kind, {}, apply, timeout=0) and written
    return written


def drain(index, kind: str, apply) -> None:
    """Apply whatever is spooled for ``kind`` (after a rebuild)."""
    if spooled(index, kind):
        _write_kind(index, kind, {}, apply, timeout=index.lock_timeout)


def rebuild(index, kind: str, fill) -> int:
    """Replace the whole index for ``kind`` with ``fill(writer)`` (which returns the count), with the
    current schema. A damaged index is cleared first. Changes spooled meanwhile are applied by the next
    writer."""
    ix = index.open_or_clear(kind)
    writer = ix.writer(timeout=max(index.lock_timeout, 60), delay=0.1, limitmb=256, compound=False)
    # The rebuilt index gets the current schema: one built by an older version keeps its own until
    # now (writers use the index's schema), and the old segments all go with mergetype=CLEAR.
    writer.schema = schema_for(kind)
    marker = _rebuilding(index, kind)
    marker.touch()
    try:
        try:
            count = fill(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR, optimize=True)
    finally:
        marker.unlink(missing_ok=True)
    return count


def _write_kind(index, kind: str, kind_changes: dict, apply, *, timeout: float) -> bool:
    ix = index.open(kind)
    wrote = False
    # compound=False everywhere: opening a compound segment copies each of its parts into memory
    # (a BytesIO of the mmap), about 25 ms per query on the benchmark corpus; plain files are read in place.
    while True:
        try:
            writer = ix.writer(timeout=timeout, delay=0.02, compound=False)
        except LockError:
            return wrote
        waiting = spooled(index, kind)
        try:
            apply(kind, writer, _merge(kind_changes, _read_spool(waiting)))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        for path in waiting:  # only once written: a failed write leaves the spool for the next one
            path.unlink(missing_ok=True)
        wrote, kind_changes = True, {}
        # Someone may have spooled while we held the lock: drain it now rather than leave it waiting.
        if not spooled(index, kind):
            return True
        timeout = 0


def spool(index, kind: str, kind_changes: dict) -> None:
    """Leave ``kind_changes`` for whoever holds the ``kind`` index's write lock."""
    index.spool.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{os.getpid()}-{uuid.uuid4().hex}"
    tmp = index.spool / f".{name}.tmp"
    tmp.write_text(json.dumps({scope: sorted(ids) for scope, ids in kind_changes.items()}))
    tmp.rename(index.spool / f"{name}.json")
    log.warning("search index %s busy; change spooled for the next writer", kind)


def spooled(index, kind: str) -> list[Path]:
    """The spool files waiting for the ``kind`` index's next writer."""
    if not index.spool.is_dir():
        return []
    return sorted(index.spool.glob(f"{kind}-*.json"))


def _rebuilding(index, kind: str) -> Path:
    return index.path / f"{kind}.rebuilding"


def _read_spool(paths: list[Path]) -> dict:
    merged: dict = {}
    for path in paths:
        try:
            merged = _merge(merged, {k: set(v) for k, v in json.loads(path.read_text()).items()})
        except (OSError, ValueError):
            log.exception("unreadable search spool file %s", path)
    return merged


def _merge(a: dict, b: dict) -> dict:
    out = {scope: set(ids) for scope, ids in a.items()}
    for scope, ids in b.items():
        out.setdefault(scope, set()).update(ids)
    return out
