"""Indexing follows commits: the search index subscribes to the change feed (portal.changes).

After each commit the ids of changed searchable rows (plain ids, never ORM objects) are written to the index;
a rolled-back transaction hands nothing. The documents themselves are built when the index is written, from
the committed rows (see documents.py), so an object flushed and then edited before the commit is indexed as
committed, and nothing rolled back is ever read.

A failed index write never undoes the committed change: it is logged, and ``flask search reindex`` repairs.
"""
import logging

from flask import current_app, has_app_context

from .. import changes
from ..changes import ChangeSet

log = logging.getLogger(__name__)

# (index, scope) -> the table whose ids key that scope's documents. A post is indexed as part of its topic,
# a note as part of its request: the change feed records those parents as owners.
SCOPE_TABLES = {
    ("kb", "pages"): "page", ("kb", "chapters"): "chapter", ("kb", "books"): "book", ("kb", "tags"): "tag",
    ("forums", "topics"): "topic", ("forums", "forums"): "forum",
    ("requests", "requests"): "request",
}


def reindex_after_commit(kind: str, scope: str, ids) -> None:
    """Index these rows after the current transaction commits. For bulk UPDATE/DELETE statements, which
    name no rows: e.g. ``reindex_after_commit("forums", "topics", topic_ids)``. Scopes: kb: pages,
    chapters, books, tags; forums: topics, forums; requests: requests."""
    changes.record(SCOPE_TABLES[(kind, scope)], ids)


def documents_changed(change_set: ChangeSet) -> dict:
    """{index: {scope: ids}} of the documents a change set touches."""
    found: dict = {}
    for (kind, scope), table in SCOPE_TABLES.items():
        ids = change_set.ids(table)
        if ids:
            found.setdefault(kind, {})[scope] = ids
    return found


def index_committed(change_set: ChangeSet) -> None:
    if not has_app_context() or "portico_search" not in current_app.extensions:
        return
    found = documents_changed(change_set)
    if found and not write_changes(current_app.extensions["portico_search"], found):
        from . import changelog

        try:  # the change log's rows of this host are then applied by its next catch-up after all
            changelog.written_in_process_failed()
        except Exception:
            log.exception("could not mark the search index for a catch-up of its own changes")


def with_languages(search_index, found: dict) -> dict:
    """``found`` with the ``kb`` changes also written to each further language's index that is built (one
    not yet built is made by ``flask search reindex``; its visitors search the default language's meanwhile).
    The built folders say which (this runs after a commit, where the settings cannot be read)."""
    if "kb" not in found:
        return found
    return {**found, **{kind: found["kb"] for kind in search_index.language_kinds()}}


def write_changes(search_index, found: dict) -> bool:
    """Write ``found`` to the index (or spool it); False when the write failed (logged)."""
    from .documents import apply

    found = with_languages(search_index, found)
    try:
        search_index.write(found, apply)
        return True
    except Exception:  # the database change stands; reindex repairs the index
        log.exception("search index update failed for %s; run `flask --app wsgi search reindex`",
                      {kind: {scope: sorted(ids)[:20] for scope, ids in c.items()} for kind, c in found.items()})
        return False


def init_app(app) -> None:
    changes.subscribe(index_committed)
