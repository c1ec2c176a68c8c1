"""The best pages and topics for what a customer is typing on the request or new-topic form."""
from dataclasses import dataclass

from flask import url_for

from ..search import query
from ..text import slugify
from . import events

LIMIT = 5
MIN_LENGTH = 3


@dataclass
class Suggestion:
    kind: str   # "page" or "topic"
    id: int
    title: str
    where: str  # the book or forum it is in
    url: str


def best(text: str, limit: int = LIMIT) -> list[Suggestion]:
    """At most ``limit`` knowledge-book pages and forum topics a customer may see, best first (any word
    may match; the last one typed also as a prefix). Raises SearchUnavailable."""
    text = (text or "").strip()[:200]
    if len(text) < MIN_LENGTH:
        return []
    hits = query.suggest_pages(text, limit=limit) + query.suggest_topics(text, limit=limit)
    hits.sort(key=lambda hit: -hit.score)
    return [Suggestion(hit.kind, hit.id, hit.title, hit.book_name or hit.forum_name, target_url(hit.kind, hit.id,
                                                                                                hit.title))
            for hit in hits[:limit]]


def target_url(kind: str, target_id: int, title: str) -> str:
    if kind == "page":
        return url_for("kb.page", page_id=target_id, slug=slugify(title))
    return url_for("forums.topic", topic_id=target_id, slug=slugify(title))


def for_visit(text: str, visit: str | None, form: str, category_id: int | None) -> tuple[str, list[Suggestion]]:
    """(the visit, its suggestions): a visit is started (and counted) when none is given; "shown" is
    counted the first time a visit gets any suggestion. Flushes. Raises SearchUnavailable."""
    visit = events.checked_visit(visit)
    if visit is None:
        visit = events.new_visit()
        events.record(visit, "started", form, category_id)
    found = best(text)
    if found:
        events.record(visit, "shown", form, category_id)
    return visit, found
