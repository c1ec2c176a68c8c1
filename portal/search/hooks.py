"""Indexing follows commits.

After each flush the identities of changed searchable rows (plain ids, never ORM objects) are collected on
the session; after the commit they are written to the index; on rollback they are dropped. The documents
themselves are built when the index is written, from the committed rows (see documents.py), so an object
flushed and then edited before the commit is indexed as committed, and nothing rolled back is ever read.

A failed index write never undoes the committed change: it is logged, and ``flask search reindex`` repairs.
"""
import logging

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "portico_search_changes"


def _scopes():
    from ..forums.models import Forum, Post, Topic
    from ..kb.models import Book, Chapter, Page, Tag
    from ..requests.models import Note, Request

    # model -> (index, scope, attribute holding the id that scope is keyed by)
    return {
        Page: ("kb", "pages", "id"), Chapter: ("kb", "chapters", "id"), Book: ("kb", "books", "id"),
        Tag: ("kb", "tags", "id"),
        Post: ("forums", "topics", "topic_id"), Topic: ("forums", "topics", "id"),
        Forum: ("forums", "forums", "id"),
        Request: ("requests", "requests", "id"), Note: ("requests", "requests", "request_id"),
    }


_SCOPES: dict | None = None


def collect(session: Session, objects) -> None:
    """Remember which searchable rows ``objects`` touch, as plain ids on the session."""
    global _SCOPES
    if _SCOPES is None:
        _SCOPES = _scopes()
    changes = session.info.setdefault(_KEY, {})
    for obj in objects:
        scope = _SCOPES.get(type(obj))
        if scope is None:
            continue
        kind, name, attribute = scope
        ids = changes.setdefault(kind, {}).setdefault(name, set())
        value = _value(obj, attribute)
        if value is not None:
            ids.add(value)


def reindex_after_commit(kind: str, scope: str, ids) -> None:
    """Index these rows after the current transaction commits. For bulk UPDATE/DELETE statements, which
    bypass the flush events: e.g. ``reindex_after_commit("forums", "topics", topic_ids)``. Scopes:
    kb: pages, chapters, books, tags; forums: topics, forums; requests: requests."""
    from ..extensions import db

    db.session.info.setdefault(_KEY, {}).setdefault(kind, {}).setdefault(scope, set()).update(ids)


def _value(obj, attribute: str):
    state = inspect(obj)
    if attribute == "id":  # the identity survives expiry (after a commit) and deletion
        return state.identity[0] if state.identity else obj.__dict__.get("id")
    value = obj.__dict__.get(attribute)
    if value is None and not (state.deleted or state.was_deleted):
        try:  # expired since the last commit: load it (the row is still there)
            value = getattr(obj, attribute)
        except Exception:
            log.warning("search: could not read %s.%s", type(obj).__name__, attribute)
    return value


@event.listens_for(Session, "before_flush")
def _before_flush(session, _flush_context, _instances):
    # A deleted note's request must be known before its row goes (an expired note cannot load it after).
    if has_app_context() and "portico_search" in current_app.extensions:
        collect(session, list(session.deleted))
        _collect_pages_of_deleted_tags(session)
        _collect_previous_parents(session)


def _collect_previous_parents(session) -> None:
    # A post moved to another topic or a note merged into another request changes two documents. The
    # old parent is read from the row before the flush updates it (after a commit the objects are
    # expired, so the ORM's attribute history does not know it).
    global _SCOPES
    if _SCOPES is None:
        _SCOPES = _scopes()
    dirty: dict[type, list[int]] = {}
    for obj in session.dirty:
        scope = _SCOPES.get(type(obj))
        if scope and scope[2] != "id" and inspect(obj).identity:
            dirty.setdefault(type(obj), []).append(inspect(obj).identity[0])
    for model, ids in dirty.items():
        kind, name, attribute = _SCOPES[model]
        with session.no_autoflush:
            parents = session.scalars(select(getattr(model, attribute)).where(model.id.in_(ids))).all()
        session.info.setdefault(_KEY, {}).setdefault(kind, {}).setdefault(name, set()).update(parents)


def _collect_pages_of_deleted_tags(session) -> None:
    # Once a tag is gone its page_tag rows are too: find its pages while they are still linked.
    from ..kb.models import Tag, page_tag

    tag_ids = [obj.id for obj in session.deleted if isinstance(obj, Tag) and obj.id is not None]
    if tag_ids:
        with session.no_autoflush:
            pages = session.scalars(select(page_tag.c.page_id).where(page_tag.c.tag_id.in_(tag_ids))).all()
        session.info.setdefault(_KEY, {}).setdefault("kb", {}).setdefault("pages", set()).update(pages)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context):
    if has_app_context() and "portico_search" in current_app.extensions:
        collect(session, [*session.new, *session.dirty, *session.deleted])


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    changes = session.info.pop(_KEY, None)
    if not changes or not has_app_context() or "portico_search" not in current_app.extensions:
        return
    write_changes(current_app.extensions["portico_search"], changes)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    # A savepoint rolled back leaves the outer transaction's changes pending; collecting too much is
    # harmless (documents are re-read from committed rows), missing a change is not.
    if not previous_transaction.nested:
        session.info.pop(_KEY, None)


def write_changes(search_index, changes: dict) -> None:
    from .documents import apply

    try:
        search_index.write(changes, apply)
    except Exception:  # the database change stands; reindex repairs the index
        log.exception("search index update failed for %s; run `flask --app wsgi search reindex`",
                      {kind: {scope: sorted(ids)[:20] for scope, ids in c.items()} for kind, c in changes.items()})
