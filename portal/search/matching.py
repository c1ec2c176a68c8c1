"""Whoosh's own search, for the queries ranking.py does not handle (Not, an index built before
PackedPositions): visibility inside the query, counting, and phrase candidates.

- Hidden documents are excluded with AndNot inside the query: Whoosh's ``mask`` visits every match,
  AndNot keeps the top-N search skipping posting blocks that cannot rank.
- The top-N search does not count; words and their and/or combinations are counted exactly from whole
  posting blocks (sets of ids), anything else up to COUNT_BOUND, then extrapolated.
- A phrase's positions are checked on the best candidates of its loosened query (the words, ANDed)
  only, PHRASE_CANDIDATES at a time (see ``phrase_hits``).
Depends on Whoosh 2.7's W3 posting reader (``_read_ids``, ``_next_block``), as whoosh_fixes.py does.
"""
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.query import And, AndNot, Or, Phrase, Term

HIDDEN = Term("public", False)
COUNT_BOUND = 1000
PHRASE_CANDIDATES = 300


def visible(query, hidden_docs):
    return AndNot(query, HIDDEN) if hidden_docs else query


def hidden_of(searcher) -> frozenset:
    """The hidden documents' numbers, worked out once per searcher (searchers are kept between queries
    until the index changes)."""
    hidden = getattr(searcher, "_portico_hidden", None)
    if hidden is None:
        hidden = frozenset(searcher.docs_for_query(HIDDEN))
        searcher._portico_hidden = hidden
    return hidden


def count_hits(searcher, results, query, hidden_docs) -> tuple[int, bool]:
    """(total, is_estimate). The top-N search skips blocks, so it does not count. Words and their
    and/or combinations are counted exactly from whole posting blocks (sets of ids); anything else
    (phrases) is counted match by match up to COUNT_BOUND and extrapolated from how far it got."""
    if results.has_exact_length():
        return len(results), False
    docs = _docset(searcher, query)
    if docs is not None:
        return len(docs - hidden_docs), False
    seen = 0
    for docnum in searcher.docs_for_query(query):
        if docnum in hidden_docs:
            continue
        seen += 1
        if seen >= COUNT_BOUND:
            return max(seen, round(seen * searcher.doc_count_all() / (docnum + 1))), True
    return seen, False


def _docset(searcher, query) -> set | None:
    """The numbers of the documents matching ``query`` made of terms, And, Or and AndNot only (else None)."""
    docs = set()
    for sub, offset in searcher.leaf_searchers():
        found = _leaf_docset(sub, query)
        if found is None:
            return None
        docs.update(docnum + offset for docnum in found)
    return docs


def _leaf_docset(sub, query) -> set | None:
    if isinstance(query, Term):
        matcher = query.matcher(sub, sub.boolean_context())
        if not isinstance(matcher, W3LeafMatcher):
            return set(matcher.all_ids()) if not matcher.is_active() else None
        ids = set()
        while matcher.is_active():  # a block of ids at a time: all_ids() steps through them one by one
            matcher._read_ids()
            ids.update(matcher._ids)
            matcher._next_block()
        return ids
    if isinstance(query, (And, Or)):
        parts = [_leaf_docset(sub, child) for child in query.subqueries]
        if any(part is None for part in parts):
            return None
        if not parts:
            return set()
        return set.intersection(*parts) if isinstance(query, And) else set.union(*parts)
    if isinstance(query, AndNot):
        positive, negative = _leaf_docset(sub, query.a), _leaf_docset(sub, query.b)
        return None if positive is None or negative is None else positive - negative
    return None


def has_phrase(query) -> bool:
    return isinstance(query, Phrase) or any(has_phrase(child) for child in query.children())


def loosen(query):
    return query._and_query() if isinstance(query, Phrase) else query.apply(loosen)


def phrase_hits(searcher, query, hidden_docs, start: int, wanted: int):
    """(hits, total, is_estimate) for a query with phrases, or None to run it in full.

    Whoosh checks a phrase's word positions in Python for every document holding all its words. Here
    the same query with each phrase loosened to its words ranks the candidates (a block-skipping top-N
    search), and positions are checked on the best of them only, a few more at a time until the page
    asked for is full. Hits keep the loosened query's rank, so the pages shown are exactly the phrase
    matches in that order; only the total beyond the candidates checked is extrapolated. Past
    PHRASE_CANDIDATES * 4 candidates without enough matches, the full phrase search runs instead."""
    loosened = visible(loosen(query), hidden_docs)
    limit, checked, hits = max(PHRASE_CANDIDATES, 4 * wanted), 0, []
    while True:
        loose = searcher.search(loosened, limit=limit)
        candidates = loose[:limit]
        fresh = candidates[checked:]
        matching = _matching(searcher, query, sorted(hit.docnum for hit in fresh))
        if matching is None:
            return None
        hits += [hit for hit in fresh if hit.docnum in matching]
        checked = len(candidates)
        exhausted = checked < limit  # every visible document holding the words was a candidate
        if exhausted:
            return hits[start:wanted], len(hits), False
        if len(hits) >= wanted:
            break
        if limit >= PHRASE_CANDIDATES * 4:
            return None
        limit *= 4
    loose_total, _ = count_hits(searcher, loose, loosen(query), hidden_docs)
    total = max(len(hits), round(len(hits) * loose_total / checked))
    return hits[start:wanted], total, total != len(hits)


def _matching(searcher, query, docnums: list[int]) -> set[int] | None:
    """Which of ``docnums`` (ascending) match ``query``, checking each document's word positions
    directly (one posting cursor per term, moving forward only), or None when the query has parts
    this check does not know."""
    found = set()
    subsearchers = searcher.leaf_searchers()  # (searcher, offset) per segment, offsets ascending
    for number, (sub, offset) in enumerate(subsearchers):
        end = subsearchers[number + 1][1] if number + 1 < len(subsearchers) else None
        local = [d - offset for d in docnums if d >= offset and (end is None or d < end)]
        if not local:
            continue
        cursors: dict = {}
        for docnum in local:
            matched = _doc_matches(sub, query, docnum, cursors)
            if matched is None:
                return None
            if matched:
                found.add(docnum + offset)
    return found


def _cursor(sub, cursors: dict, fieldname: str, text):
    key = (fieldname, text)
    if key not in cursors:
        cursors[key] = Term(fieldname, text).matcher(sub, sub.boolean_context())
    return cursors[key]


def _at(cursor, docnum: int) -> bool:
    if cursor.is_active() and cursor.id() < docnum:
        cursor.skip_to(docnum)
    return cursor.is_active() and cursor.id() == docnum


def _doc_matches(sub, query, docnum: int, cursors: dict) -> bool | None:
    if isinstance(query, Term):
        return _at(_cursor(sub, cursors, query.fieldname, query.text), docnum)
    if isinstance(query, Phrase):
        field = sub.schema[query.fieldname] if query.fieldname in sub.schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return False
        positions = []
        for word in query.words:
            cursor = _cursor(sub, cursors, query.fieldname, word)
            if not _at(cursor, docnum):
                return False
            positions.append(set(cursor.value_as("positions")))
        return _in_order(positions, query.slop)
    if isinstance(query, (And, Or)):
        results = []
        for child in query.subqueries:  # every child is visited so that its cursors keep moving forward
            results.append(_doc_matches(sub, child, docnum, cursors))
        if any(result is None for result in results):
            return None
        return all(results) if isinstance(query, And) else any(results)
    if isinstance(query, AndNot):
        positive, negative = _doc_matches(sub, query.a, docnum, cursors), _doc_matches(sub, query.b, docnum, cursors)
        return None if positive is None or negative is None else positive and not negative
    return None


def _in_order(positions: list[set], slop: int) -> bool:
    """Whether one position of each word follows the previous word's within ``slop`` (1: adjacent)."""
    reached = positions[0]
    for following in positions[1:]:
        reached = {p + step for p in reached for step in range(1, slop + 1)} & following
        if not reached:
            return False
    return True
