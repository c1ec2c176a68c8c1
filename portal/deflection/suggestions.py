"""The best pages and topics for what a customer is typing on the request or new-topic form."""
from dataclasses import dataclass

from flask import url_for

from ..kb import languages, translations
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


def url_language(lang: str | None = None) -> str | None:
    """The visitor's language as a URL prefix ("de"; None for the default language): ``lang`` when the site
    has it, else the cookie or Accept-Language (portal.kb.languages.from_request)."""
    language = languages.from_request(lang)
    return None if language == languages.default() else language


def best(text: str, limit: int = LIMIT, lang: str | None = None, topics: bool = True) -> list[Suggestion]:
    """At most ``limit`` knowledge-book pages and forum topics a customer may see, best first (any word
    may match; the last one typed also as a prefix). Pages are searched in ``lang`` (a URL prefix: its
    index also holds untranslated pages by their default-language text), else, when that finds none, in
    the default language; their links keep the visitor in ``lang``. ``topics``: False for pages only (the
    older ``/search/suggest``). Raises SearchUnavailable."""
    text = (text or "").strip()[:200]
    if len(text) < MIN_LENGTH:
        return []
    pages = query.suggest_pages(text, limit=limit, language=lang)
    if not pages and lang:
        pages = query.suggest_pages(text, limit=limit)  # e.g. English words typed in a German interface
        shown = translations.titles([hit.id for hit in pages], lang)  # one query: their titles in ``lang``
        for hit in pages:
            if hit.id in shown:
                hit.title, hit.slug = shown[hit.id].title, shown[hit.id].slug
    hits = pages + (query.suggest_topics(text, limit=limit) if topics else [])
    hits.sort(key=lambda hit: -hit.score)
    return [Suggestion(hit.kind, hit.id, hit.title, hit.book_name or hit.forum_name,
                       target_url(hit.kind, hit.id, hit.title, lang, hit.slug)) for hit in hits[:limit]]


def target_url(kind: str, target_id: int, title: str, lang: str | None = None, slug: str = "") -> str:
    """A page's URL in ``lang`` (with its slug in that language when the caller knows it), or
    a topic's."""
    if kind == "page":
        return url_for("kb.page", page_id=target_id, slug=slug or slugify(title), lang=lang)
    return url_for("forums.topic", topic_id=target_id, slug=slugify(title))


def for_visit(text: str, visit: str | None, form: str, category_id: int | None,
              lang: str | None = None) -> tuple[str, list[Suggestion]]:
    """(the visit, its suggestions): a visit is started (and counted) when none is given; "shown" is
    counted the first time a visit gets any suggestion. Flushes. Raises SearchUnavailable."""
    visit = events.checked_visit(visit)
    if visit is None:
        visit = events.new_visit()
        events.record(visit, "started", form, category_id)
    found = best(text, lang=lang)
    if found:
        events.record(visit, "shown", form, category_id)
    return visit, found
