"""The Whoosh indexes on disk: opening, first-use creation, locked writes with a spool, and repair.

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
import shutil
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR

from ..errors import PortalError
from .schema import SCHEMAS, outdated

log = logging.getLogger(__name__)
KINDS = tuple(SCHEMAS)
RETRIES = 5
IDLE_SEARCHERS = 4


class SearchUnavailable(PortalError):
    """The index is missing or damaged. ``flask --app wsgi search reindex`` rebuilds it."""

    status = 503
    message = "Search is unavailable right now. Please try again in a few minutes."


class SearchIndex:
    def __init__(self, path: str, *, lock_timeout: float = 0.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.spool = self.path / "pending"
        # Idle searchers per kind, each with the fingerprint of the index files it was opened on: opening
        # a searcher for every query re-read the table of contents and every segment's metadata.
        self._idle: dict[str, list] = {}
        self._idle_lock = threading.Lock()
        self._warned_outdated: set[str] = set()
        weakref.finalize(self, _close_idle, self._idle)

    # Opening -------------------------------------------------------------------------------------

    def folder(self, kind: str) -> Path:
        return self.path / kind

    def open(self, kind: str):
        """The index for ``kind``. A folder that is absent or empty is a first use: an empty index is
        created. A folder with files but no readable index is damage: SearchUnavailable."""
        return self._retry(kind, self._open)

    def _open(self, kind: str):
        folder = self.folder(kind)
        if not whoosh_index.exists_in(str(folder)):
            if _holds_index_files(folder):
                raise SearchUnavailable(f"The {kind} search index is damaged; run `flask search reindex`.")
            return self._create(kind)
        return whoosh_index.open_dir(str(folder))

    def _retry(self, kind: str, action):
        """``action(kind)``; a file that vanished is retried: a writer in another process may have
        committed a new generation (and removed the old one) between our listing and our open."""
        for attempt in range(RETRIES):
            try:
                return action(kind)
            except SearchUnavailable:
                raise
            except FileNotFoundError as exc:
                failure = f"{type(exc).__name__}: {exc}"
                _close_files_in(exc.__traceback__)
                time.sleep(0.005 * (attempt + 1))
            except Exception as exc:
                failure = f"{type(exc).__name__}: {exc}"
                _close_files_in(exc.__traceback__)
                break
        log.error("search index %s cannot be opened: %s", self.folder(kind), failure)
        raise SearchUnavailable(f"The {kind} search index cannot be read; run `flask search reindex`.")

    def _create(self, kind: str):
        folder = self.folder(kind)
        folder.mkdir(parents=True, exist_ok=True)
        log.info("creating an empty %s search index in %s", kind, folder)
        return whoosh_index.create_in(str(folder), SCHEMAS[kind]())

    def version(self, kind: str):
        """What identifies the index's current contents, or None when the folder cannot be read: a result
        remembered with one version is still the answer while the version holds (portal.pagecache)."""
        return _fingerprint(self.folder(kind))

    @contextmanager
    def searcher(self, kind: str):
        """A searcher on the latest committed version; read errors become SearchUnavailable.

        Searchers are kept between queries (one per concurrent user, at most ``IDLE_SEARCHERS`` idle per
        kind) and reused only while the index folder is unchanged: a commit from any process, a rebuild,
        or a damaged or missing file changes the folder's fingerprint and a fresh searcher is opened."""
        fingerprint = _fingerprint(self.folder(kind))
        searcher = self._take(kind, fingerprint)
        if searcher is None:
            searcher = self._retry(kind, lambda name: self._open(name).searcher())
            self._warn_if_outdated(kind, searcher.schema)
        healthy = False
        try:
            yield searcher
            healthy = True
        except (OSError, EOFError) as exc:
            log.error("search index %s failed while searching: %s", kind, exc)
            raise SearchUnavailable() from exc
        except Exception:
            healthy = True
            raise
        finally:
            if healthy and fingerprint is not None:
                self._give_back(kind, fingerprint, searcher)
            else:
                searcher.close()

    def _warn_if_outdated(self, kind: str, schema) -> None:
        if kind not in self._warned_outdated and outdated(schema, kind):
            self._warned_outdated.add(kind)
            log.warning("the %s search index was built by an older version of Portico: phrase searches are "
                        "slower until `flask --app wsgi search reindex` rebuilds it", kind)

    def outdated(self, kind: str) -> bool:
        """Whether the ``kind`` index was built with an older schema (``flask search reindex`` updates it)."""
        with self.searcher(kind) as searcher:
            return outdated(searcher.schema, kind)

    def _take(self, kind: str, fingerprint):
        stale = []
        found = None
        with self._idle_lock:
            idle = self._idle.setdefault(kind, [])
            while idle:
                seen, searcher = idle.pop()
                if seen == fingerprint:
                    found = searcher
                    break
                stale.append(searcher)
            if found is not None:  # older idle searchers of a previous version are of no further use
                stale += [s for seen, s in idle if seen != fingerprint]
                idle[:] = [(seen, s) for seen, s in idle if seen == fingerprint]
        for searcher in stale:
            searcher.close()
        return found

    def _give_back(self, kind: str, fingerprint, searcher) -> None:
        with self._idle_lock:
            idle = self._idle.setdefault(kind, [])
            if len(idle) < IDLE_SEARCHERS:
                idle.append((fingerprint, searcher))
                return
        searcher.close()

    def close(self) -> None:
        """Close the kept searchers (they are also closed when this object is collected)."""
        _close_idle(self._idle)

    def doc_count(self, kind: str) -> int:
        with self.searcher(kind) as searcher:
            return searcher.doc_count()

    # Writing -------------------------------------------------------------------------------------

    def write(self, changes: dict, apply) -> bool:
        """Apply ``changes`` (kind -> {scope: set of ids}) with ``apply(kind, writer, changes)``.

        Returns True when written now, False when spooled for the next writer. Raises what the
        index raises on damage (the caller logs it; the database change stands)."""
        written = True
        for kind, kind_changes in changes.items():
            if not any(kind_changes.values()):
                continue
            # During a rebuild the lock is held for minutes: spool at once rather than wait.
            timeout = 0 if self._rebuilding(kind).exists() else self.lock_timeout
            if not self._write_kind(kind, kind_changes, apply, timeout=timeout):
                self._spool(kind, kind_changes)
                # The holder may have drained the spool just before we wrote it: try once more.
                written = self._write_kind(kind, {}, apply, timeout=0) and written
        return written

    def drain(self, kind: str, apply) -> None:
        """Apply whatever is spooled for ``kind`` (after a rebuild)."""
        if self._spooled(kind):
            self._write_kind(kind, {}, apply, timeout=self.lock_timeout)

    def _write_kind(self, kind: str, kind_changes: dict, apply, *, timeout: float) -> bool:
        ix = self.open(kind)
        wrote = False
        # compound=False everywhere: opening a compound segment copies each of its parts into memory
        # (a BytesIO of the mmap), about 25 ms per query on the benchmark corpus; plain files are read in place.
        while True:
            try:
                writer = ix.writer(timeout=timeout, delay=0.02, compound=False)
            except LockError:
                return wrote
            spooled = self._spooled(kind)
            try:
                apply(kind, writer, _merge(kind_changes, _read_spool(spooled)))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            for path in spooled:  # only once written: a failed write leaves the spool for the next one
                path.unlink(missing_ok=True)
            wrote, kind_changes = True, {}
            # Someone may have spooled while we held the lock: drain it now rather than leave it waiting.
            if not self._spooled(kind):
                return True
            timeout = 0

    def _spool(self, kind: str, kind_changes: dict) -> None:
        self.spool.mkdir(parents=True, exist_ok=True)
        name = f"{kind}-{os.getpid()}-{uuid.uuid4().hex}"
        tmp = self.spool / f".{name}.tmp"
        tmp.write_text(json.dumps({scope: sorted(ids) for scope, ids in kind_changes.items()}))
        tmp.rename(self.spool / f"{name}.json")
        log.warning("search index %s busy; change spooled for the next writer", kind)

    def _spooled(self, kind: str) -> list[Path]:
        if not self.spool.is_dir():
            return []
        return sorted(self.spool.glob(f"{kind}-*.json"))

    def _rebuilding(self, kind: str) -> Path:
        return self.path / f"{kind}.rebuilding"

    def rebuild(self, kind: str, fill) -> int:
        """Replace the whole index for ``kind`` with ``fill(writer)`` (which returns the count), with the
        current schema. A damaged index is cleared first. Changes spooled meanwhile are applied by the next
        writer."""
        try:
            ix = self.open(kind)
        except SearchUnavailable:
            _clear(self.folder(kind))
            ix = self._create(kind)
        writer = ix.writer(timeout=max(self.lock_timeout, 60), delay=0.1, limitmb=256, compound=False)
        # The rebuilt index gets the current schema: one built by an older version keeps its own until
        # now (writers use the index's schema), and the old segments all go with mergetype=CLEAR.
        writer.schema = SCHEMAS[kind]()
        marker = self._rebuilding(kind)
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


def _close_files_in(traceback) -> None:
    # Whoosh leaves the table-of-contents file open when it cannot parse it: close it here rather
    # than leave it to the garbage collector (and a ResourceWarning).
    from whoosh.filedb.structfile import StructFile

    while traceback is not None:
        for value in list(traceback.tb_frame.f_locals.values()):
            if isinstance(value, StructFile) and not value.is_closed:
                value.close()
        traceback = traceback.tb_next


def _fingerprint(folder: Path):
    """What changes whenever the index does: the file names (a commit writes a new table of contents
    and segments, a merge removes some) and the size, time and inode of each table of contents (a
    damaged one rewritten in place). None when the folder cannot be listed."""
    try:
        names = sorted(name for name in os.listdir(folder) if not name.endswith("LOCK"))
        tocs = tuple((name, stat.st_size, stat.st_mtime_ns, stat.st_ino)
                     for name in names if name.endswith(".toc") for stat in [os.stat(folder / name)])
    except OSError:
        return None
    return tuple(names), tocs


def _close_idle(idle: dict) -> None:
    for searchers in list(idle.values()):
        while searchers:
            searchers.pop()[1].close()


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


def _holds_index_files(folder: Path) -> bool:
    return folder.is_dir() and any(not p.name.endswith("_LOCK") and p.name != "MAIN_WRITELOCK"
                                   for p in folder.iterdir())


def _clear(folder: Path) -> None:
    if folder.is_dir():
        shutil.rmtree(folder)
