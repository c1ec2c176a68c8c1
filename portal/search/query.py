"""The one query function family every search goes through (portal page, suggestions, API, staff).

Each function filters by what the viewer may see: a customer never gets a private book, hidden page,
hidden chapter, private forum or held spam post (``public`` in the index; spam is never indexed).
Hits come from stored fields, so a page of results costs no database query. Ranking is Whoosh's BM25F
with titles boosted, computed with numpy (ranking.py); snippets are HTML-escaped text with the matched
words in <mark>.
Raises SearchUnavailable (503) when the index is missing or damaged.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from markupsafe import Markup

from .index import SearchUnavailable  # noqa: F401  (re-exported for callers)
from .matching import HIDDEN, count_hits, has_phrase, hidden_of, loosen, phrase_hits, visible
from .parsing import Matcher, correct, highlight, parse
from .ranking import ranked_hits


@dataclass
class Hit:
    kind: str                 # "page", "topic" or "request"
    id: int                   # page id, topic id or request id
    title: str                # page name, topic title or request subject
    desc: str                 # plain text, first 120 characters (HelpSpot's ``desc``)
    snippet: Markup           # HTML with the matched terms in <mark>
    score: float = 0.0
    book_id: int | None = None
    book_name: str = ""
    chapter_name: str = ""
    forum_id: int | None = None
    forum_name: str = ""
    posted_at: datetime | None = None
    chapter_id: int | None = None


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int = 1
    per_page: int = 20
    suggestion: str | None = None  # "did you mean" (only worked out when nothing matched)
    query: str = ""
    # Exact with numpy ranking (ranking.py). On Whoosh's path (NOT, an index built before PackedPositions)
    # counting stops at COUNT_BOUND matches, and a phrase is only checked on the best PHRASE_CANDIDATES
    # matches of its words: beyond those, ``total`` is extrapolated (never below what was seen) and this
    # is True. The hits of the page asked for are always real matches in rank order.
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


KB_FIELDS = ("title", "body", "book", "chapter", "tags")
FORUM_FIELDS = ("title", "body", "forum")
REQUEST_FIELDS = ("title", "customer", "body")
PREFIX_FIELDS = ("title", "body")
_HIDDEN = HIDDEN


def _index():
    return current_app.extensions["portico_search"]


def _page_args(page: int, per_page: int) -> tuple[int, int]:
    return max(1, int(page or 1)), max(1, min(int(per_page or 20), 100))


def _run(kind: str, q: str, fields, *, page: int, per_page: int, hidden, make_hit, prefix=False,
         spelling=("title", "body"), count=True):
    page, per_page = _page_args(page, per_page)
    q = (q or "").strip()[:200]
    empty = Results([], 0, page, per_page, query=q)
    with _index().searcher(kind) as searcher:
        query = parse(q, fields, searcher.schema, prefix_last=prefix)
        if query is None:
            return empty
        hidden_docs = hidden_of(searcher) if hidden is not None else frozenset()
        start, wanted = (page - 1) * per_page, page * per_page
        phrases = has_phrase(query)
        # numpy ranking (ranking.py) when the query is made of what it knows, else Whoosh's own search.
        found = ranked_hits(searcher, query, hidden_docs, start, wanted,
                            loosened=loosen(query) if phrases else None)
        if found is None and phrases:
            found = phrase_hits(searcher, query, hidden_docs, start, wanted)
        if found is None:
            results = searcher.search(visible(query, hidden_docs), limit=wanted)
            total, estimate = count_hits(searcher, results, query, hidden_docs) if count else (0, False)
            found = results[start:wanted], total, estimate
        hits, total, estimate = found
        matcher = Matcher(query)
        hits = [make_hit(hit, highlight(matcher, hit.get("body", ""))) for hit in hits]
        # Only a search that found nothing asks "did you mean" (a known word never gets a correction).
        suggestion = None if prefix or total else correct(searcher, q, spelling, hidden_docs)
    return Results(hits, total, page, per_page, suggestion=suggestion, query=q, total_is_estimate=estimate)


def _page_hit(hit, snippet) -> Hit:
    return Hit("page", hit["id"], hit["title"], hit.get("body", "")[:120], snippet, hit.score,
               book_id=hit["book_id"], book_name=hit.get("book", ""), chapter_name=hit.get("chapter", ""),
               chapter_id=hit["chapter_id"], posted_at=hit.get("updated_at"))


def search_kb(q: str, *, page: int = 1, per_page: int = 20, staff=None) -> Results:
    """Knowledge-book pages, best match first. Customers see only public pages in visible chapters of
    public books. Raises SearchUnavailable."""
    return _run("kb", q, KB_FIELDS, page=page, per_page=per_page, hidden=None if staff else _HIDDEN,
                make_hit=_page_hit)


def _topic_hit(hit, snippet) -> Hit:
    return Hit("topic", hit["id"], hit["title"], hit.get("body", "")[:120], snippet, hit.score,
               forum_id=hit["forum_id"], forum_name=hit.get("forum", ""), posted_at=hit.get("posted_at"))


def search_forums(q: str, *, page: int = 1, per_page: int = 20, staff=None) -> Results:
    """Topics whose title or visible posts match (one document per topic). Customers see no private
    forum; held spam is never indexed. Raises SearchUnavailable."""
    return _run("forums", q, FORUM_FIELDS, page=page, per_page=per_page, hidden=None if staff else _HIDDEN,
                make_hit=_topic_hit, spelling=("title",))


def suggest_pages(text: str, *, limit: int = 5) -> list[Hit]:
    """KB pages for what a customer is typing on the request form (the last word may be unfinished).
    Raises SearchUnavailable."""
    return _run("kb", text, KB_FIELDS, page=1, per_page=limit, hidden=_HIDDEN, make_hit=_page_hit,
                prefix=True, count=False).hits


def _request_hit(hit, snippet) -> Hit:
    return Hit("request", hit["id"], hit["title"], hit.get("display", ""), snippet, hit.score,
               posted_at=hit.get("posted_at"))


def search_requests(q: str, *, staff, page: int = 1, per_page: int = 20) -> Results:
    """Requests whose subject, customer or notes match (staff only; nothing for anyone else).
    Raises SearchUnavailable."""
    if staff is None:
        page, per_page = _page_args(page, per_page)
        return Results([], 0, page, per_page, query=q)
    return _run("requests", q, REQUEST_FIELDS, page=page, per_page=per_page, hidden=None,
                make_hit=_request_hit)

