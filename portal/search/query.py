"""The one query function family every search goes through (portal page, suggestions, API, staff).

Each function filters by what the viewer may see: a customer never gets a private book, hidden page,
hidden chapter, private forum or held spam post (``public`` in the index; spam is never indexed).
Hits come from stored fields, so a page of results costs no database query. Ranking is Whoosh's BM25F
with titles boosted, computed with numpy (ranking.py); a query that path does not take (NOT, an index
built before PackedPositions) runs Whoosh's own search. Snippets are HTML-escaped text with the matched
words in <mark>.

What a person types becomes a Whoosh query here too: words are ANDed across fields; "quoted words" are
phrases; with ``prefix_last`` (suggestions while typing) any word may match and the last word may be
unfinished (it also matches as a prefix). Field names, wildcards, ranges and boosts typed by a user are
plain words: they could only make a query slow, and visibility is enforced regardless.
Raises SearchUnavailable (503) when the index is missing or damaged.
"""
import bisect
import itertools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from markupsafe import Markup, escape
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.lang.porter import stem
from whoosh.qparser import (
    AndGroup,
    BoostPlugin,
    EveryPlugin,
    FieldsPlugin,
    MultifieldParser,
    OrGroup,
    RangePlugin,
    WildcardPlugin,
)
from whoosh.query import AndNot, NullQuery, Or, Phrase, Prefix, Term

from . import SearchUnavailable  # noqa: F401  (re-exported for callers)
from . import whoosh_internals as internals
from .ranking import ranked_hits
from .schema import ANALYZER

HIDDEN = Term("public", False)
# On Whoosh's path the top-N search does not count: matches are counted one by one up to COUNT_BOUND,
# and beyond it the total is extrapolated (flagged with Results.total_is_estimate).
COUNT_BOUND = 1000


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
    # Set when these are the results of a forgiving retry (``forgiving``): what was typed. ``query`` is
    # then what the retry searched for, as shown in "Showing results for X. Search instead for Y".
    typed: str | None = None
    # Exact with numpy ranking (ranking.py). On Whoosh's path (NOT, an index built before PackedPositions)
    # counting stops at COUNT_BOUND matches: beyond that, ``total`` is extrapolated (never below what was
    # seen) and this is True. The hits of the page asked for are always real matches in rank order.
    total_is_estimate: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


KB_FIELDS = ("title", "body", "book", "chapter", "tags")
FORUM_FIELDS = ("title", "body", "forum")
REQUEST_FIELDS = ("title", "customer", "body")
PREFIX_FIELDS = ("title", "body")


def _index():
    return current_app.extensions["portico_search"]


def _page_args(page: int, per_page: int) -> tuple[int, int]:
    return max(1, int(page or 1)), max(1, min(int(per_page or 20), 100))


def _run(kind: str, q: str, fields, *, page: int, per_page: int, hidden, make_hit, prefix=False,
         spelling=("title", "body"), count=True, forgive: int = 0):
    """``forgive``: a search finding fewer than this many hits is retried with forgiving words
    (``forgiving``); the retry's results replace it when they hold more hits."""
    found = _search(kind, q, fields, page=page, per_page=per_page, hidden=hidden, make_hit=make_hit,
                    prefix=prefix, spelling=spelling, count=count, forgiven=forgive > 0)
    results, retry = found
    if retry is None or results.total >= forgive:
        return results
    retried, _ = _search(kind, retry[0], fields, page=page, per_page=per_page, hidden=hidden,
                         make_hit=make_hit, spelling=spelling, count=count, forgiven=False)
    if retried.total <= results.total:
        return results
    retried.typed, retried.suggestion, retried.query = results.query, None, retry[1]
    return retried


def _search(kind: str, q: str, fields, *, page: int, per_page: int, hidden, make_hit, prefix=False,
            spelling=("title", "body"), count=True, forgiven=False):
    """(results, ``forgiving``'s (query, shown) or None). ``forgiven``: work out the retry when
    the search finds next to nothing (it costs a walk of the spelling words)."""
    page, per_page = _page_args(page, per_page)
    q = (q or "").strip()[:200]
    empty = Results([], 0, page, per_page, query=q)
    with _index().searcher(kind) as searcher:
        query = parse(q, fields, searcher.schema, prefix_last=prefix)
        if query is None:
            return empty, None
        hidden_docs = hidden_of(searcher) if hidden is not None else frozenset()
        start, wanted = (page - 1) * per_page, page * per_page
        # numpy ranking (ranking.py) when the query is made of what it knows, else Whoosh's own search.
        found = ranked_hits(searcher, query, hidden_docs, start, wanted,
                            loosened=loosen(query) if has_phrase(query) else None)
        if found is None:
            results = searcher.search(visible(query, hidden_docs), limit=wanted)
            total, estimate = count_hits(searcher, results, query, hidden_docs) if count else (0, False)
            found = results[start:wanted], total, estimate
        hits, total, estimate = found
        matcher = Matcher(query)
        hits = [make_hit(hit, highlight(matcher, hit.get("body", ""))) for hit in hits]
        # Only a search that found nothing asks "did you mean" (a known word never gets a correction).
        retry = forgiving(searcher, q, spelling, hidden_docs) if forgiven and total < FEW else None
        # A forgiving retry replaces "did you mean" (it is worked out from the same spelling words).
        suggestion = None if prefix or total or retry else correct(searcher, q, spelling, hidden_docs)
    return (Results(hits, total, page, per_page, suggestion=suggestion, query=q, total_is_estimate=estimate),
            retry)


def _page_hit(hit, snippet) -> Hit:
    return Hit("page", hit["id"], hit["title"], hit.get("body", "")[:120], snippet, hit.score,
               book_id=hit["book_id"], book_name=hit.get("book", ""), chapter_name=hit.get("chapter", ""),
               chapter_id=hit["chapter_id"], posted_at=hit.get("updated_at"))


def search_kb(q: str, *, page: int = 1, per_page: int = 20, staff=None, forgive: int = 0) -> Results:
    """Knowledge-book pages, best match first. Customers see only public pages in visible chapters of
    public books. ``forgive``: retry with forgiving words below this many hits (FEW for people, 1 for the
    API: only when nothing matched). Raises SearchUnavailable."""
    return _run("kb", q, KB_FIELDS, page=page, per_page=per_page, hidden=None if staff else HIDDEN,
                make_hit=_page_hit, forgive=forgive)


def _topic_hit(hit, snippet) -> Hit:
    return Hit("topic", hit["id"], hit["title"], hit.get("body", "")[:120], snippet, hit.score,
               forum_id=hit["forum_id"], forum_name=hit.get("forum", ""), posted_at=hit.get("posted_at"))


def search_forums(q: str, *, page: int = 1, per_page: int = 20, staff=None, forgive: int = 0) -> Results:
    """Topics whose title or visible posts match (one document per topic). Customers see no private
    forum; held spam is never indexed. ``forgive`` as for ``search_kb``. Raises SearchUnavailable."""
    return _run("forums", q, FORUM_FIELDS, page=page, per_page=per_page, hidden=None if staff else HIDDEN,
                make_hit=_topic_hit, spelling=("title",), forgive=forgive)


def suggest_pages(text: str, *, limit: int = 5) -> list[Hit]:
    """KB pages for what a customer is typing on the request form (the last word may be unfinished).
    Raises SearchUnavailable."""
    return _run("kb", text, KB_FIELDS, page=1, per_page=limit, hidden=HIDDEN, make_hit=_page_hit,
                prefix=True, count=False).hits


SUGGEST_TOPIC_FIELDS = ("title",)


def suggest_topics(text: str, *, limit: int = 5) -> list[Hit]:
    """Forum topics whose title matches what a customer is typing (as ``suggest_pages``; titles only: a
    suggestion shows the title, and the words of 100,000 posts made suggestions three times slower).
    Raises SearchUnavailable."""
    return _run("forums", text, SUGGEST_TOPIC_FIELDS, page=1, per_page=limit, hidden=HIDDEN,
                make_hit=_topic_hit, prefix=True, count=False).hits


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


# Whoosh's own search, for what ranking.py does not take ------------------------------------------------

def visible(query, hidden_docs):
    """``query`` without the hidden documents: AndNot inside the query lets Whoosh's top-N search skip
    posting blocks that cannot rank (its ``mask`` argument visits every match)."""
    return AndNot(query, HIDDEN) if hidden_docs else query


def hidden_of(searcher) -> frozenset:
    """The hidden documents' numbers, worked out once per kept searcher."""
    return internals.remembered(searcher, "hidden", lambda s: frozenset(s.docs_for_query(HIDDEN)))


def count_hits(searcher, results, query, hidden_docs) -> tuple[int, bool]:
    """(total, is_estimate) of a Whoosh search: its top-N search skips blocks, so it does not count;
    matches are counted up to COUNT_BOUND and the rest extrapolated from how far that got."""
    if results.has_exact_length():
        return len(results), False
    seen = 0
    for docnum in searcher.docs_for_query(query):
        if docnum in hidden_docs:
            continue
        seen += 1
        if seen >= COUNT_BOUND:
            return max(seen, round(seen * searcher.doc_count_all() / (docnum + 1))), True
    return seen, False


def has_phrase(query) -> bool:
    return isinstance(query, Phrase) or any(has_phrase(child) for child in query.children())


def loosen(query):
    """``query`` with each phrase replaced by its words, ANDed: what ranks a phrase query's matches."""
    return internals.phrase_words(query) if isinstance(query, Phrase) else query.apply(loosen)


# Parsing, snippets and "did you mean" ------------------------------------------------------------------

_LAST_WORD = re.compile(r"(\w+)$")
_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r'"[^"]*"')


def _parser(fields, schema, *, any_word: bool = False) -> MultifieldParser:
    # Suggestions read a whole sentence being typed: any word may match, pages matching more rank first.
    group = OrGroup.factory(0.9) if any_word else AndGroup
    parser = MultifieldParser(list(fields), schema, group=group)
    for plugin in (FieldsPlugin, WildcardPlugin, RangePlugin, BoostPlugin, EveryPlugin):
        parser.remove_plugin_class(plugin)
    return parser


_TOKEN = re.compile(r'"[^"]*"?|\S+')
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def _without_stop_words(text: str, keep_last: bool) -> str:
    # Whoosh would keep a stop word as a term of the last field, which then matches nothing.
    tokens = _TOKEN.findall(text)
    kept = [token for i, token in enumerate(tokens)
            if not token.isalnum() or token in _OPERATORS or (keep_last and i == len(tokens) - 1)
            or any(True for _ in ANALYZER(token.lower()))]
    return " ".join(kept) + (" " if text[-1:].isspace() else "")


def parse(text: str, fields, schema, *, prefix_last: bool = False):
    """The query for ``text``, or None when nothing searchable is left (empty, only stop words)."""
    parser = _parser(fields, schema, any_word=prefix_last)
    text = _without_stop_words(text, keep_last=prefix_last)
    query = parser.parse(text) if text else NullQuery
    if prefix_last and text.count('"') % 2 == 0:
        match = _LAST_WORD.search(text)
        if match and len(match.group(1)) >= 2:
            rest = parser.parse(text[:match.start()]) if text[:match.start()].strip() else NullQuery
            word = match.group(1).lower()
            prefixes = [Prefix(field, word) for field in ("title", "body") if field in fields]
            last = Or([parser.parse(word), *prefixes])
            query = Or([rest, last]) if rest is not NullQuery else last
    query = query.normalize()
    return None if query is NullQuery else query


class Matcher:
    """Which words of a text a query matched: same stem as a query term, or starting with a query prefix."""

    def __init__(self, query, fields=("title", "body")):
        self.stems, self.prefixes = set(), []
        for leaf in query.leaves():
            if getattr(leaf, "fieldname", None) not in fields:
                continue
            if isinstance(leaf, Prefix):
                self.prefixes.append(leaf.text)
            else:
                self.stems.update(word for field, word in leaf.iter_all_terms() if isinstance(word, str))
        self.prefixes = tuple(self.prefixes)
        self._seen: dict[str, bool] = {}
        # Words that may match: those starting like a stem (Porter changes at most a stem's last two
        # letters, e.g. "ponies" -> "poni") or a prefix. Scanning for them in C finds the first match
        # of a long forum body without calling __call__ on every word before it.
        starts = sorted({stem[:max(1, len(stem) - 2)] for stem in self.stems} | set(self.prefixes))
        alternatives = "|".join(map(re.escape, starts))
        self.candidates = re.compile(rf"(?<!\w)(?:{alternatives})\w*",
                                     re.IGNORECASE) if starts else None

    def __call__(self, word: str) -> bool:
        found = self._seen.get(word)
        if found is None:
            lower = word.lower()
            found = _stem(lower) in self.stems or (bool(self.prefixes) and lower.startswith(self.prefixes))
            self._seen[word] = found
        return found


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return stem(word)


def highlight(matcher: Matcher, text: str, length: int = 200, scan: int = 3000) -> Markup:
    """About ``length`` characters of ``text`` around the first matched word, every matched word in it in
    <mark>, everything else HTML-escaped; the opening words when nothing matches. One regular-expression
    pass over the first ``scan`` characters (re-analysing whole bodies with Whoosh's highlighter cost
    most of a query's time)."""
    text = text or ""
    found = matcher.candidates.finditer(text, 0, scan) if matcher.candidates else ()
    first = next((m for m in found if matcher(m.group())), None)
    start = 0 if first is None else max(0, first.start() - length // 4)
    if start and first is not None:  # begin on a word boundary
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first.start() else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts, cursor = ["…" if start else ""], start
    for m in _WORD.finditer(text, start, end):
        if matcher(m.group()):
            parts += [str(escape(text[cursor:m.start()])), f"<mark>{escape(m.group())}</mark>"]
            cursor = m.end()
    parts += [str(escape(text[cursor:end])), "…" if end < len(text) else ""]
    return Markup("".join(parts))


def correct(searcher, text: str, fields=("title", "body"), hidden=frozenset()) -> str | None:
    """``text`` with each word the index does not know replaced by the nearest word of the spelling copies
    of ``fields`` (by edit distance, then frequency), or None when every word is known or nothing better is
    found.

    ``hidden``: the numbers of the documents the viewer may not see (``hidden_of``). Only words of
    the other documents count, both as known and as corrections: a word found only in hidden pages, hidden
    chapters, private books or private forums is never offered, and is corrected like any unknown word
    (a suggestion must not reveal what a visitor may not read)."""
    reader = searcher.reader()
    leaves = reader.leaf_readers()
    unquoted = _QUOTED.sub(" ", text)
    corrected, changed = text, False
    for word in dict.fromkeys(w for w in _WORD.findall(unquoted) if len(w) >= 3 and not w.isdigit()):
        stems = [token.text for token in ANALYZER(word.lower())]
        if not stems or any(_visible_frequency(leaf, offset, f, stems[0], hidden, stop_at=1)
                            for f in ("title", "body") if f in searcher.schema for leaf, offset in leaves):
            continue
        best = _nearest(leaves, word.lower(), fields, hidden)
        if best and best != word.lower():
            corrected = re.sub(rf"\b{re.escape(word)}\b", best, corrected, count=1)
            changed = True
    return corrected if changed else None


def _visible_frequency(leaf, offset: int, field: str, term, hidden, stop_at: int | None = None) -> int:
    """How many documents of one segment the viewer may see hold ``term`` (counting stops at ``stop_at``)."""
    if not hidden:
        return leaf.doc_frequency(field, term)
    if (field, term) not in leaf:
        return 0
    seen = 0
    for docnum in leaf.postings(field, term).all_ids():  # (postings still list replaced documents)
        if docnum + offset not in hidden and not leaf.is_deleted(docnum):
            seen += 1
            if seen == stop_at:
                break
    return seen


def _nearest(leaves, word: str, fields, hidden=frozenset()) -> str | None:
    candidates: dict[str, tuple[int, int]] = {}
    for leaf, offset in leaves:
        for field in fields:
            if field not in leaf.schema or not leaf.schema[field].separate_spelling():
                continue  # a stemmed field without a spelling copy would suggest stems
            spell = leaf.schema[field].spelling_fieldname(field)
            for maxdist in (1, 2):
                found = list(leaf.terms_within(field, word, maxdist, prefix=1))
                for term in found:
                    if hidden:  # the spelling copy's postings name no document: count the word's stem
                        stems = [token.text for token in ANALYZER(term)]
                        frequency = _visible_frequency(leaf, offset, field, stems[0], hidden) if stems else 0
                    else:
                        frequency = leaf.doc_frequency(spell, term) or leaf.doc_frequency(field, term)
                    if not frequency:
                        continue  # only in documents the viewer may not see
                    old = candidates.get(term, (maxdist, 0))
                    candidates[term] = (min(old[0], maxdist), old[1] + frequency)
                if found:
                    break
    if not candidates:
        return None
    return min(candidates, key=lambda term: (candidates[term][0], -candidates[term][1], term))


# Forgiving retries -------------------------------------------------------------------------------------

FEW = 3            # a person's search finding fewer hits than this is retried with forgiving words
EXPANSIONS = 6     # words tried in place of one typed word
PREFIX_SCAN = 400  # spelling words read for one typed prefix (a short prefix would otherwise read thousands)


def tolerance(word: str) -> int:
    """The edit distance a typed word may be off by: none below 4 letters, 1 up to 7, 2 beyond."""
    return 0 if len(word) < 4 else 1 if len(word) <= 7 else 2


def forgiving(searcher, text: str, fields=("title", "body"), hidden=frozenset()) -> tuple[str, str] | None:
    """(the retry's query, what it shows as "Showing results for"), or None when no word has near words.

    The query is ``text`` with each unquoted word of 3 letters or more (stop words aside) replaced by
    ``(word OR near1 OR ...)``: the spelling words within its ``tolerance`` and those it begins (``cert`` ->
    ``certificate``), nearest and most frequent first, only words of documents the viewer may see. What is
    shown keeps each word the index knows and puts the nearest word in place of one it does not."""
    reader = searcher.reader()
    leaves = reader.leaf_readers()
    changed, out, shown = False, [], []
    for token in _TOKEN.findall(text):
        word = token.lower()
        if (token.startswith('"') or token in _OPERATORS or len(word) < 3 or not word.isalpha()
                or not any(True for _ in ANALYZER(word))):
            out.append(token)
            shown.append(token)
            continue
        near = [w for w in _near_words(leaves, word, fields, hidden) if w != word]
        if near:
            changed = True
            out.append("(" + " OR ".join([word, *near]) + ")")
            shown.append(token if _seen_by_viewer(leaves, word, fields, hidden, known=True) else near[0])
        else:
            out.append(token)
            shown.append(token)
    return (" ".join(out), " ".join(shown)) if changed else None


def _near_words(leaves, word: str, fields, hidden) -> list[str]:
    scored: dict[str, list[int]] = {}  # word -> [0 for a longer word it begins, else 1; -frequency]
    distance = tolerance(word)
    for leaf, _offset in leaves:
        for field in fields:
            if field not in leaf.schema or not leaf.schema[field].separate_spelling():
                continue
            spell = leaf.schema[field].spelling_fieldname(field)
            words = _segment_words(leaf, spell)
            start = bisect.bisect_left(words, word)
            found = [(term, 0) for term in itertools.islice(words, start, start + PREFIX_SCAN)
                     if term.startswith(word)]
            if distance:
                # Same first letter (as Whoosh's corrector), within the edit distance (OSA: a swap of two
                # neighbouring letters is one edit).
                bucket = words[bisect.bisect_left(words, word[0]):bisect.bisect_left(words, chr(ord(word[0]) + 1))]
                found += [(term, 1) for term, _, _ in process.extract_iter(
                    word, bucket, scorer=OSA.distance, score_cutoff=distance)]
            for term, far in found:
                if term == word:
                    continue
                entry = scored.setdefault(term, [far, 0])
                entry[0] = min(entry[0], far)
                entry[1] -= leaf.doc_frequency(spell, term) or 1
    ranked = sorted(scored, key=lambda term: (scored[term][0], scored[term][1], term))
    chosen: list[str] = []
    for term in ranked:
        if len(chosen) == EXPANSIONS:
            break
        if _seen_by_viewer(leaves, term, fields, hidden):
            chosen.append(term)
    return chosen


_SEGMENT_WORDS: "OrderedDict[tuple, list[str]]" = OrderedDict()
_SEGMENT_WORDS_KEPT = 64
_SEGMENT_WORDS_LOCK = threading.Lock()


def _segment_words(leaf, spell: str) -> list[str]:
    """The sorted spelling words of one index segment's field, read once: a segment never changes (a
    commit adds segments, a merge replaces them), so they are kept per segment id, the most recent 64."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    if segment is None:  # an empty index's reader: nothing to keep
        return [term.decode("utf-8") if isinstance(term, bytes) else term for term in leaf.lexicon(spell)]
    key = (segment.segment_id(), spell)
    with _SEGMENT_WORDS_LOCK:
        words = _SEGMENT_WORDS.get(key)
        if words is not None:
            _SEGMENT_WORDS.move_to_end(key)
            return words
    words = [term.decode("utf-8") if isinstance(term, bytes) else term for term in leaf.lexicon(spell)]
    with _SEGMENT_WORDS_LOCK:
        _SEGMENT_WORDS[key] = words
        while len(_SEGMENT_WORDS) > _SEGMENT_WORDS_KEPT:
            _SEGMENT_WORDS.popitem(last=False)
    return words


def _seen_by_viewer(leaves, term: str, fields, hidden, known: bool = False) -> bool:
    """Whether a document the viewer may see holds ``term``'s stem (``known``: check even without hidden
    documents, i.e. whether the index holds the word at all)."""
    if not hidden and not known:
        return True
    stems = [token.text for token in ANALYZER(term)]
    return bool(stems) and any(_visible_frequency(leaf, offset, field, stems[0], hidden, stop_at=1)
                               for field in fields for leaf, offset in leaves if field in leaf.schema)
