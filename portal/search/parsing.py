"""Turning what a person typed into a Whoosh query, highlighting hits, and "did you mean".

Words are ANDed across fields; "quoted words" are phrases; with ``prefix_last`` (suggestions while
typing) any word may match and the last word may be unfinished (it also matches as a prefix).
Field names, wildcards, ranges and boosts typed by a user are plain words: they could only make a
query slow, and visibility is enforced by a mask regardless.
"""
import re
from functools import lru_cache

from markupsafe import Markup, escape
from whoosh.qparser import (AndGroup, BoostPlugin, EveryPlugin, FieldsPlugin, MultifieldParser, OrGroup,
                            RangePlugin, WildcardPlugin)
from whoosh.lang.porter import stem
from whoosh.query import NullQuery, Or, Prefix

from .schema import ANALYZER

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
        self.candidates = re.compile(r"(?<!\w)(?:%s)\w*" % "|".join(map(re.escape, starts)),
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
    if start:  # begin on a word boundary
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

    ``hidden``: the numbers of the documents the viewer may not see (``matching.hidden_of``). Only words of
    the other documents count, both as known and as corrections: a word found only in hidden pages, hidden
    chapters, private books or private forums is never offered, and is corrected like any unknown word
    (issue 11, finding 4)."""
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
