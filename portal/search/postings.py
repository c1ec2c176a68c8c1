"""A kept searcher's posting lists and field lengths as numpy arrays, decoded once and remembered.

Whoosh scores a query one document at a time in Python; ``ranking.py`` scores every matching document at
once with numpy instead, from the arrays read here: per segment, each field's length column (one byte per
document, decoded with Whoosh's own table) and, per (field, term), the documents, their BM25F score for that
term alone and, for fields in the PackedPositions format, every posting's positions (for phrase checks).
A term's score does not depend on the query, only on index statistics that are fixed for the searcher's
lifetime, so it is computed once; at most CACHED_BYTES of postings are kept per searcher (least recently
used first out), and all of it goes with the searcher when the index changes.

Depends on Whoosh 2.7's W3 codec internals (block data tuples, length columns), as matching.py does.
"""
import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from .schema import PackedPositions

CACHED_BYTES = 32 * 1024 * 1024
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """Something this fast path does not reproduce exactly (another codec, weighting or position
    format): the caller runs Whoosh's own search."""


class Postings:
    """One term in one segment: document numbers (ascending, segment-local), that term's score in each
    (Whoosh's scorer, computed for the whole list at once) and, when the field's format is PackedPositions,
    all positions in posting order with where each posting's begin (``starts``, one more than postings)."""

    __slots__ = ("ids", "scores", "positions", "starts")

    def __init__(self, ids, scores, positions=None, starts=None):
        self.ids, self.scores, self.positions, self.starts = ids, scores, positions, starts

    def __len__(self):
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        extra = 0 if self.positions is None else self.positions.nbytes + self.starts.nbytes
        return self.ids.nbytes + self.scores.nbytes + extra

    def positions_of(self, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts, positions) of the postings at indexes ``selected`` (ascending): how many positions
        each has, and all of them in posting order. Raises Unsupported for other position formats."""
        if self.positions is None:
            raise Unsupported("positions not in the PackedPositions format")
        begins, ends = self.starts[selected], self.starts[selected + 1]
        counts = ends - begins
        # One gather: for each wanted position, its posting's start plus its rank within the posting.
        shift = np.repeat(begins - (np.cumsum(counts) - counts), counts)
        return counts, self.positions[np.arange(int(counts.sum())) + shift].astype(np.int64)


class Segment:
    """One leaf searcher of a kept searcher: its documents, deletions and length columns."""

    def __init__(self, searcher, sub, offset: int, number: int):
        self.top, self.sub, self.offset, self.number = searcher, sub, offset, number
        self.reader = sub.reader()
        self.count = sub.doc_count_all()
        self.deleted = np.zeros(self.count, dtype=bool)
        if self.reader.has_deletions():
            self.deleted[list(self.reader.deleted_docs_set)] = True  # a property
        self._lengths: dict[str, np.ndarray] = {}

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length of ``fieldname`` as Whoosh scores it (a byte-coded approximation)."""
        found = self._lengths.get(fieldname)
        if found is None:
            column = self.reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            codes = np.zeros(self.count, dtype=np.uint8)
            if column is not None:
                stored = min(column._count, self.count)
                codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
            found = self._lengths[fieldname] = _LENGTHS[codes]
        return found

    def btext(self, fieldname: str, text):
        """The term's bytes, or None when this segment cannot hold it (no such field, not a valid value)."""
        if fieldname not in self.sub.schema:
            return None
        if isinstance(text, bytes):
            return text
        try:
            return self.sub.schema[fieldname].to_bytes(text)
        except ValueError:
            return None


class PostingsCache:
    """Decoded postings per (segment, field, term), least recently used dropped past ``limit`` bytes."""

    def __init__(self, limit: int = CACHED_BYTES):
        self.limit = limit
        self._entries: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, segment: Segment, fieldname: str, btext: bytes) -> Postings | None:
        """The term's postings in ``segment``, or None when the segment does not hold the term."""
        key = (segment.number, fieldname, btext)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        if (fieldname, btext) not in segment.reader:
            return None
        found = _read(segment, fieldname, btext)
        with self._lock:
            self.misses += 1
            if key not in self._entries:
                self._entries[key] = found
                self._size += found.nbytes
                while self._size > self.limit and len(self._entries) > 1:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= dropped.nbytes
        return found


def _read(segment: Segment, fieldname: str, btext: bytes) -> Postings:
    field = segment.sub.schema[fieldname]
    matcher = segment.reader._terms.matcher(fieldname, btext, field.format)
    packed = isinstance(field.format, PackedPositions)
    if isinstance(matcher, ListMatcher):  # a single posting, inlined in the term's entry
        blocks = [(matcher._ids, matcher._weights or None, matcher._values)]
    elif isinstance(matcher, W3LeafMatcher):
        blocks = list(_blocks(matcher))
    else:
        raise Unsupported(type(matcher).__name__)
    ids = np.concatenate([_ids(block[0], matcher) for block in blocks])
    weights = np.concatenate([_weights(block[1], len(block[0])) for block in blocks])
    found = Postings(ids, _scores(segment, fieldname, btext, ids, weights))
    if packed:
        values = [value for block in blocks for value in block[2]]
        counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) // 4
        found.starts = np.concatenate(([0], np.cumsum(counts)))
        found.positions = np.frombuffer(b"".join(values), dtype="<u4")
    return found


def _blocks(matcher: W3LeafMatcher):
    """Each block's (ids, weights, values) as stored: ids delta-coded, weights None when all are 1, one
    number when all are equal, else a tuple."""
    while not matcher._atend:
        matcher._read_data()
        yield matcher._data
        matcher._next_block()


def _ids(stored, matcher) -> np.ndarray:
    ids = np.asarray(stored, dtype=np.int64)
    return ids if isinstance(matcher, ListMatcher) else np.cumsum(ids)


def _weights(stored, count: int) -> np.ndarray:
    """Weights as Whoosh reads them: a block of equal weights becomes a 32-bit float array in Whoosh."""
    if stored is None:
        return np.ones(count)
    if isinstance(stored, float):
        return np.full(count, float(np.float32(stored)))
    return np.asarray(stored, dtype=np.float64)


def _scores(segment: Segment, fieldname: str, btext: bytes, ids, weights) -> np.ndarray:
    """The term's score in each document, with the very scorer Whoosh would use (so with its idf, average
    field length, B and K1) and the same arithmetic in the same order, element-wise."""
    scorer = segment.top.weighting.scorer(segment.sub, fieldname, btext)
    if isinstance(scorer, WeightScorer):
        return weights
    if type(scorer) is not BM25FScorer:
        raise Unsupported(type(scorer).__name__)
    idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    fl = segment.lengths(fieldname)[ids]
    return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
