"""Full-text search over the knowledge base, forums and (for staff) requests.

The package, in reading order: schema.py (what is indexed), documents.py (database rows to documents),
writer.py (locked writes, spool, rebuild), query.py (what people type to hits), ranking.py and
postings.py (Whoosh's BM25F computed with numpy), whoosh_internals.py (every use of Whoosh's internals,
and its start-up patches), hooks.py (indexing after commits: a change-feed subscriber), cli.py and views.py.

``init_app`` creates the ``SearchIndex`` below (the index folders, opening, kept searchers), registers
the ``flask search`` commands and the search pages.
"""
import logging
import os
import shutil
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index

from ..errors import N_, PortalError
from . import whoosh_internals as internals
from . import writer
from .hooks import reindex_after_commit
from .schema import KINDS, LANGUAGE_PREFIX, all_kinds, outdated, schema_for

__all__ = ["KINDS", "SearchIndex", "SearchUnavailable", "all_kinds", "index_versions", "init_app",
           "reindex_after_commit"]

log = logging.getLogger(__name__)
RETRIES = 5
IDLE_SEARCHERS = 4


class SearchUnavailable(PortalError):
    """The index is missing or damaged. ``flask --app wsgi search reindex`` rebuilds it."""

    status = 503
    message = N_("Search is unavailable right now. Please try again in a few minutes.")


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
                internals.close_files_in(exc.__traceback__)
                time.sleep(0.005 * (attempt + 1))
            except Exception as exc:
                failure = f"{type(exc).__name__}: {exc}"
                internals.close_files_in(exc.__traceback__)
                break
        log.error("search index %s cannot be opened: %s", self.folder(kind), failure)
        raise SearchUnavailable(f"The {kind} search index cannot be read; run `flask search reindex`.")

    def open_or_clear(self, kind: str):
        """The index for ``kind``, emptied and created again when it is damaged (a full rebuild follows)."""
        try:
            return self.open(kind)
        except SearchUnavailable:
            _clear(self.folder(kind))
            return self._create(kind)

    def _create(self, kind: str):
        folder = self.folder(kind)
        folder.mkdir(parents=True, exist_ok=True)
        log.info("creating an empty %s search index in %s", kind, folder)
        return whoosh_index.create_in(str(folder), schema_for(kind))

    def built(self, kind: str) -> bool:
        """Whether the ``kind`` folder holds an index (a further language's index exists once a reindex
        or a new host's catch-up built it; until then its visitors search the default language's)."""
        return whoosh_index.exists_in(str(self.folder(kind)))

    def language_kinds(self) -> list[str]:
        """The further languages' KB indexes built in this folder (``kb-de``...)."""
        try:
            names = sorted(os.listdir(self.path))
        except OSError:
            return []
        return [name for name in names if name.startswith(LANGUAGE_PREFIX) and self.built(name)]

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

    # Writing (writer.py) ----------------------------------------------------------------------------

    def write(self, changes: dict, apply) -> bool:
        """Apply ``changes`` (kind -> {scope: set of ids}) with ``apply(kind, writer, changes)``; False when
        spooled for the next writer (writer.write)."""
        return writer.write(self, changes, apply)

    def drain(self, kind: str, apply) -> None:
        """Apply whatever is spooled for ``kind`` (writer.drain)."""
        writer.drain(self, kind, apply)

    def rebuild(self, kind: str, fill) -> int:
        """Replace the ``kind`` index with ``fill(writer)``'s documents (writer.rebuild)."""
        return writer.rebuild(self, kind, fill)


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


def _holds_index_files(folder: Path) -> bool:
    return folder.is_dir() and any(not p.name.endswith("_LOCK") and p.name != "MAIN_WRITELOCK"
                                   for p in folder.iterdir())


def _clear(folder: Path) -> None:
    if folder.is_dir():
        shutil.rmtree(folder)


def index_versions(*kinds: str) -> tuple | None:
    """The current version of each index in ``kinds`` (None when one cannot be read): what a cached
    search reply depends on besides the database."""
    from flask import current_app

    versions = tuple(current_app.extensions["portico_search"].version(kind) for kind in kinds)
    return None if None in versions else versions


def init_app(app) -> None:
    from . import changelog, cli, hooks, postings
    from .views import bp

    internals.patch_whoosh()
    # Posting lists decoded for numpy ranking, kept per process (postings.py; bench/README.md for the figures).
    postings.DECODED.limit = int(app.config.setdefault("SEARCH_POSTINGS_CACHE_MB", 64)) * 1024 * 1024
    # 0: when another worker holds the write lock, spool the change for it rather than wait (bench/README.md).
    app.config.setdefault("SEARCH_LOCK_TIMEOUT", 0.0)
    app.extensions["portico_search"] = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                                                   lock_timeout=float(app.config["SEARCH_LOCK_TIMEOUT"]))
    hooks.init_app(app)
    changelog.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)
