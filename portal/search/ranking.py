"""Ranking a query over every matching document at once with numpy, with exactly Whoosh's scores.

Whoosh's top-N search scores one document at a time in Python: on the benchmark corpus, where one
common word matches a quarter of the topics, that loop was most of a query's time. Here each segment's
query is evaluated on whole arrays instead: per term, its documents and BM25F scores (postings.py, kept
per searcher); per And/Or, an element-wise mask and sum. The total is the size of the mask, and the top N
come from one partial sort.

The result is Whoosh's own, to the last bit: the scores are added in the order Whoosh's matcher tree adds
them (floating-point addition is not associative), so the tree is rebuilt with Whoosh's own rules (the
choice between a tree of unions and an array union, the size-weighted tree shapes, boosts, a prefix's
constant score), and ties are broken by document number as Whoosh's collector does.
tests/search/test_ranking.py compares both on varied indexes, several segments and deletions included.

Phrases are matched exactly from positions, but only among the documents that hold their words (the
"loosened" query, which ranks them: hits keep the order of the query with each phrase replaced by its
words). Anything else (Not, wildcards, another weighting) raises
Unsupported and the caller runs Whoosh's search.
"""
import numpy as np
from whoosh.query import And, AndNot, NullQuery, Or, Phrase, Prefix, Term

from . import whoosh_internals as internals
from .postings import PostingsCache, Segment, Unsupported

__all__ = ["Found", "Ranker", "Unsupported", "ranked_hits", "ranker_for"]

# A prefix (the word being typed in suggestions) expands to at most this many words per field and segment,
# the ones in most documents: "ro" has 174 expansions on the benchmark KB (50 ms to read them all the
# first time), and a page that matches only through a rare completion would not be among the five shown.
PREFIX_EXPANSIONS = 32


class Found(dict):
    """A hit as query.py reads it (like Whoosh's Hit): the stored fields, the document number and score."""

    def __init__(self, fields: dict, docnum: int, score: float):
        super().__init__(fields)
        self.docnum, self.score = docnum, score


def ranked_hits(searcher, query, hidden_docs, start: int, wanted: int, *, loosened=None):
    """(hits start:wanted, exact total, False) for ``query``, or None when this path does not apply and
    Whoosh's own search should run."""
    try:
        docs, scores, total = ranker_for(searcher).rank(query, hidden_docs, wanted, loosened=loosened)
    except Unsupported:
        return None
    hits = [Found(searcher.stored_fields(docnum), docnum, score)
            for docnum, score in zip(docs[start:wanted].tolist(), scores[start:wanted].tolist(), strict=True)]
    return hits, total, False


class Ranker:
    """What a kept searcher needs for fast ranking: its segments and a cache of their postings."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.segments = [Segment(searcher, sub, offset, number)
                         for number, (sub, offset) in enumerate(searcher.leaf_searchers())]
        self.size = sum(segment.count for segment in self.segments)
        self.cache = PostingsCache()
        self._hidden = (None, None)

    def rank(self, query, hidden_docs, wanted: int, *, loosened=None):
        """(docnums, scores, total): the best ``wanted`` visible matches of ``query`` in Whoosh's order
        and how many there are. A query with phrases is ranked by ``loosened`` (its words)."""
        hidden = self._hidden_mask(hidden_docs)
        masks, scores = [], []
        for segment in self.segments:
            span = slice(segment.offset, segment.offset + segment.count)
            mask, score = _Evaluation(self, segment).scored(loosened if loosened is not None else query)
            mask &= ~segment.deleted
            if hidden is not None:
                mask &= ~hidden[span]
            if loosened is not None:
                mask = _Evaluation(self, segment).exact(query, mask)
            masks.append(mask)
            scores.append(score)
        if not masks:
            return np.zeros(0, dtype=np.int64), np.zeros(0), 0
        mask, score = np.concatenate(masks), np.concatenate(scores)
        docs = np.flatnonzero(mask)
        return (*_best(docs, score[docs], wanted), len(docs))

    def _hidden_mask(self, hidden_docs):
        if not hidden_docs:
            return None
        seen, mask = self._hidden
        if seen is not hidden_docs:
            mask = np.zeros(self.size, dtype=bool)
            mask[np.fromiter(hidden_docs, dtype=np.int64, count=len(hidden_docs))] = True
            self._hidden = hidden_docs, mask
        return mask


def ranker_for(searcher) -> Ranker:
    """The searcher's ranker, made on first use (searchers are kept until the index changes)."""
    return internals.remembered(searcher, "ranker", Ranker)


def _best(docs, scores, wanted: int):
    """The ``wanted`` best (highest score, then lowest document number, as Whoosh's heap orders them)."""
    if wanted <= 0:
        return docs[:0], scores[:0]
    if len(docs) > wanted:
        cut = len(docs) - wanted
        kth = np.partition(scores, cut)[cut]
        keep = scores >= kth  # ties at the cut all stay, the document number decides below
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:wanted]
    return docs[order], scores[order]


class _Tie:
    """A placeholder in Whoosh's size-weighted tree builder. Whoosh sorts (size, matcher) pairs, and its
    matchers compare neither less nor greater than one another, so equal sizes keep their order: these
    placeholders do the same, and the tree comes out in Whoosh's shape."""

    def __eq__(self, other):
        return True

    def __lt__(self, other):
        return False

    __hash__ = object.__hash__


class _Sub(_Tie):
    def __init__(self, query):
        self.query = query


class _Pair(_Tie):
    def __init__(self, a, b):
        self.a, self.b = a, b


class _Evaluation:
    """One query on one segment: (mask, scores) arrays of the segment's size, the score 0 wherever the
    mask is False (an array union adds its children's scores without looking at their masks)."""

    def __init__(self, ranker: Ranker, segment: Segment):
        self.cache, self.segment = ranker.cache, segment
        self.count = segment.count

    def _empty(self):
        return np.zeros(self.count, dtype=bool), np.zeros(self.count)

    def _postings(self, fieldname: str, text):
        btext = self.segment.btext(fieldname, text)
        return None if btext is None else self.cache.get(self.segment, fieldname, btext)

    # Scores, as Whoosh's matchers compute them -----------------------------------------------------

    def scored(self, query, scored: bool = True):
        kind = type(query)
        if kind is Term:
            return self._term(query)
        if kind is And or kind is Or:
            return self._compound(query, scored)
        if kind is AndNot:
            mask, score = self.scored(query.a, scored)
            mask = mask & ~self.scored(query.b, False)[0]
            return mask, np.where(mask, score, 0.0)
        if kind is Prefix:
            return self._prefix(query, scored)
        if query is NullQuery:
            return self._empty()
        raise Unsupported(kind.__name__)

    def _term(self, query):
        found = self._postings(query.fieldname, query.text)
        mask, score = self._empty()
        if found is None:
            return mask, score
        mask[found.ids] = True
        score[found.ids] = found.scores
        if query.boost != 1.0:
            score *= query.boost
        return mask, score

    def _compound(self, query, scored: bool):
        subs = query.subqueries
        if not subs:
            return self._empty()
        if len(subs) == 1:  # Whoosh uses the only child's matcher as it is (no boost)
            return self.scored(subs[0], scored)
        reader = self.segment.reader
        if type(query) is And:
            tree = internals.make_weighted_tree(_Pair, [(0 - sub.estimate_size(reader), _Sub(sub)) for sub in subs])
            mask, score = self._tree(tree, scored, intersect=True)
        else:
            try:
                array_union = internals.or_uses_array_union(query, self.count)
            except ValueError as exc:
                raise Unsupported(str(exc)) from exc
            if array_union:
                return self._array_union(subs, query.boost, scored)
            tree = internals.make_weighted_tree(_Pair, [(sub.estimate_size(reader), _Sub(sub)) for sub in subs])
            mask, score = self._tree(tree, scored, intersect=False)
        if query.boost != 1.0:
            score = score * query.boost
        if type(query) is Or and query.scale:
            score = np.where(mask, self._coordinated(subs, query.scale, score), 0.0)
        return mask, score

    def _coordinated(self, subs, scale: float, score):
        """Whoosh's CoordMatcher (an Or parsed with a scale, as suggestions parse what is typed): the score
        raised with the share of the Or's terms a document holds. Only for an Or of terms."""
        if any(type(sub) is not Term for sub in subs):
            raise Unsupported("coordination over more than terms")
        holding = np.zeros(self.count, dtype=np.int64)
        terms = 0
        for sub in subs:
            found = self._postings(sub.fieldname, sub.text)
            if found is not None:
                terms += 1
                holding[found.ids] += 1
        if not terms:
            return score
        if terms == scale:
            return np.zeros(self.count)
        return (score + ((holding - 1) / (terms - scale) ** 2)) * ((terms - 1) / terms)

    def _tree(self, node, scored: bool, intersect: bool):
        if isinstance(node, _Sub):
            return self.scored(node.query, scored)
        a_mask, a_score = self._tree(node.a, scored, intersect)
        b_mask, b_score = self._tree(node.b, scored, intersect)
        # A document missing from one side scores 0 there, and x + 0.0 == x.
        if intersect:
            mask = a_mask & b_mask
            return mask, np.where(mask, a_score + b_score, 0.0)
        return a_mask | b_mask, a_score + b_score

    def _array_union(self, subs, boost: float, scored: bool):
        """Whoosh's ArrayUnionMatcher: scores summed child by child into an array (unscored: 1 each)."""
        mask, score = self._empty()
        for sub in subs:
            if not scored and type(sub) is Term:  # only which documents match counts here
                found = self._postings(sub.fieldname, sub.text)
                if found is not None:
                    mask[found.ids] = True
                continue
            sub_mask, sub_score = self.scored(sub, scored)
            mask |= sub_mask
            if scored:
                score += sub_score * boost
        if not scored:
            return mask, mask.astype(np.float64)
        return mask & (score > 0), score

    def _prefix(self, query, scored: bool):
        """Whoosh's MultiTerm.matcher: one expansion is a plain term; several are an Or of terms which,
        for a constant-score prefix (the default), is evaluated without a weighting. Unlike Whoosh, at
        most PREFIX_EXPANSIONS words (the most frequent)."""
        reader = self.segment.reader
        words = internals.prefix_words(query, reader)
        if len(words) > PREFIX_EXPANSIONS:
            frequency = {word: reader.doc_frequency(query.fieldname, word) for word in words}
            kept = set(sorted(words, key=lambda word: -frequency[word])[:PREFIX_EXPANSIONS])
            words = [word for word in words if word in kept]
        if not words:
            return self._empty()
        if len(words) == 1:
            return self._term(Term(query.fieldname, words[0]))
        union = Or([Term(query.fieldname, word) for word in words], boost=query.boost)
        return self._compound(union, False if query.constantscore else scored)

    # Exact matches of a query with phrases, among candidates -----------------------------------------

    def exact(self, query, candidates):
        """Which ``candidates`` (documents matching the query with each phrase loosened to its words)
        match ``query`` itself."""
        kind = type(query)
        if not candidates.any():
            return candidates
        if kind is Phrase:
            return self._phrase(query, candidates)
        if kind is Term:
            found = self._postings(query.fieldname, query.text)
            mask = np.zeros(self.count, dtype=bool)
            if found is not None:
                mask[found.ids] = True
            return mask & candidates
        if kind is And:
            for sub in query.subqueries:
                candidates = self.exact(sub, candidates)
            return candidates
        if kind is Or:
            mask = np.zeros(self.count, dtype=bool)
            for sub in query.subqueries:
                mask |= self.exact(sub, candidates & ~mask)
            return mask
        if kind is AndNot:
            kept = self.exact(query.a, candidates)
            return kept & ~self.exact(query.b, kept)
        if kind is Prefix or query is NullQuery:
            return self.scored(query)[0] & candidates
        raise Unsupported(kind.__name__)

    def _phrase(self, query, candidates):
        """Documents among ``candidates`` with the phrase's words at successive positions (each within
        ``slop`` of the previous word), as Whoosh's phrase matcher decides.

        The occurrences of the first or the last word (whichever is rarer), in documents holding every
        word, are followed word by word through the others' occurrences (sorted keys: one binary search
        per occurrence still followed)."""
        found = np.zeros(self.count, dtype=bool)
        schema = self.segment.sub.schema
        if query.fieldname not in schema or not schema[query.fieldname].format.supports("positions"):
            return found
        lists = [self._postings(query.fieldname, word) for word in query.words]
        if not lists or any(postings is None for postings in lists):
            return found
        if any(postings.keys is None for postings in lists):
            raise Unsupported("positions not in the PackedPositions format")
        docs = candidates.copy()
        for postings in lists:
            holds = np.zeros(self.count, dtype=bool)
            holds[postings.ids] = True
            docs &= holds
        if not docs.any():
            return found
        direction = 1 if len(lists[0].keys) <= len(lists[-1].keys) else -1
        ordered = lists if direction == 1 else lists[::-1]
        reached = ordered[0].keys[docs[ordered[0].keys >> 32]]
        for postings in ordered[1:]:
            reached = _follow(reached, postings.keys, query.slop, direction)
        found[np.unique(reached >> 32)] = True
        return found


def _follow(reached, keys, slop: int, direction: int):
    """The keys of ``keys`` 1 to ``slop`` positions after (direction 1) or before (-1) one of ``reached``."""
    steps = [np.zeros(0, dtype=np.int64)]
    for step in range(1, slop + 1):
        wanted = reached + step * direction
        at = np.searchsorted(keys, wanted)
        hit = at < len(keys)
        hit[hit] = keys[at[hit]] == wanted[hit]
        steps.append(wanted[hit])
    return steps[-1] if len(steps) <= 2 else np.unique(np.concatenate(steps))
