"""Posting lists and field lengths as numpy arrays, decoded once and kept, for ranking.py.

Two caches, because a commit changes less than it seems:

- A segment's files never change once written, so what is decoded from them (per term: the documents,
  their term weights and, in the PackedPositions format, every occurrence's position; per field: each
  document's length) is kept per process, keyed by the segment's identity, whichever searcher asked.
  A commit adds a small segment and marks deletions (applied as a mask per searcher), so the next
  searcher finds the old segments' postings already decoded. At most DECODED_BYTES, least recently used
  out first; a merge or rebuild writes new segments, and the old entries age out.
- Scores depend on index-wide statistics (idf, average field length) that any commit changes, so each
  searcher keeps its own, computed from the decoded arrays in a few vector operations (SCORED_BYTES).

What it reads of Whoosh's storage goes through whoosh_internals.py.
"""
import threading
from collections import OrderedDict

import numpy as np
from whoosh.scoring import BM25FScorer, WeightScorer

from . import whoosh_internals as internals
from .schema import PackedPositions

DECODED_BYTES = 64 * 1024 * 1024  # per process: the whole benchmark forum index's postings take about 50 MB
SCORED_BYTES = 8 * 1024 * 1024  # per searcher


class Unsupported(Exception):
    """Something this fast path does not reproduce exactly (another codec, weighting or position
    format): the caller runs Whoosh's own search."""


class LRU:
    """A dictionary of numpy-backed values with a byte budget: least recently used out first."""

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key, value, nbytes: int):
        with self._lock:
            self.misses += 1
            if key in self._entries:
                return self._entries[key][0]
            self._entries[key] = (value, nbytes)
            self._size += nbytes
            while self._size > self.limit and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


DECODED = LRU(DECODED_BYTES)


class Decoded:
    """One term in one segment, as stored: documents (ascending, segment-local), weights as Whoosh reads
    them, and for PackedPositions fields every occurrence as ``document << 32 | position``, ascending
    (worked out on first use: word queries never need them)."""

    __slots__ = ("ids", "weights", "_positions", "_counts", "_keys")

    def __init__(self, ids, weights, positions=None, counts=None):
        self.ids, self.weights = ids, weights
        self._positions, self._counts, self._keys = positions, counts, None

    @property
    def keys(self):
        if self._keys is None and self._positions is not None:
            self._keys = np.repeat(self.ids << 32, self._counts) | self._positions
        return self._keys

    @property
    def nbytes(self) -> int:
        # The keys are counted from the start (8 bytes an occurrence), whether worked out yet or not.
        extra = 0 if self._positions is None else self._positions.nbytes * 3 + self._counts.nbytes
        return self.ids.nbytes + self.weights.nbytes + extra


class Postings:
    """One term in one segment for one searcher: the decoded arrays and the term's score in each document
    (Whoosh's scorer, computed for the whole list at once)."""

    __slots__ = ("ids", "scores", "_decoded")

    def __init__(self, decoded: Decoded, scores):
        self.ids, self.scores, self._decoded = decoded.ids, scores, decoded

    @property
    def keys(self):
        return self._decoded.keys

    def __len__(self):
        return len(self.ids)


class Segment:
    """One leaf searcher of a searcher: its documents, deletions and where its decoded arrays are kept."""

    def __init__(self, searcher, sub, offset: int, number: int):
        self.top, self.sub, self.offset, self.number = searcher, sub, offset, number
        self.reader = sub.reader()
        self.count = sub.doc_count_all()
        self.deleted = np.zeros(self.count, dtype=bool)
        self.deleted[internals.deleted_documents(self.reader)] = True
        self.key = internals.segment_key(self.reader)  # None: decoded arrays are not kept past this searcher

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length of ``fieldname`` as Whoosh scores it (a byte-coded approximation)."""
        key = (self.key, "lengths", fieldname)
        found = DECODED.get(key) if self.key else None
        if found is not None:
            return found[0]
        lengths = internals.LENGTHS[internals.length_codes(self.reader, fieldname, self.count)]
        return DECODED.put(key, lengths, lengths.nbytes) if self.key else lengths

    def decoded(self, fieldname: str, btext: bytes) -> Decoded | None:
        """The term's postings in this segment, or None when the segment does not hold the term."""
        key = (self.key, fieldname, btext)
        found = DECODED.get(key) if self.key else None
        if found is not None:
            return found[0]
        if (fieldname, btext) not in self.reader:
            return None
        decoded = _read(self, fieldname, btext)
        return DECODED.put(key, decoded, decoded.nbytes) if self.key else decoded

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
    """A searcher's scored postings per (segment, field, term), least recently used out past ``limit``."""

    def __init__(self, limit: int = SCORED_BYTES):
        self._scored = LRU(limit)

    def get(self, segment: Segment, fieldname: str, btext: bytes) -> Postings | None:
        key = (segment.number, fieldname, btext)
        found = self._scored.get(key)
        if found is not None:
            return found[0]
        decoded = segment.decoded(fieldname, btext)
        if decoded is None:
            return None
        scores = _scores(segment, fieldname, btext, decoded.ids, decoded.weights)
        return self._scored.put(key, Postings(decoded, scores), scores.nbytes)


def _read(segment: Segment, fieldname: str, btext: bytes) -> Decoded:
    field = segment.sub.schema[fieldname]
    try:
        blocks = internals.posting_blocks(segment.reader, fieldname, btext, field.format)
    except internals.NotW3Postings as exc:
        raise Unsupported(str(exc)) from exc
    ids = np.concatenate([block[0] for block in blocks])
    weights = np.concatenate([_weights(block[1], len(block[0])) for block in blocks])
    if not isinstance(field.format, PackedPositions):
        return Decoded(ids, weights)
    values = [value for block in blocks for value in block[2]]
    counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) // 4
    return Decoded(ids, weights, np.frombuffer(b"".join(values), dtype="<u4"), counts)


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
    idf, avgfl, B, K1 = internals.bm25f_parameters(scorer)
    fl = segment.lengths(fieldname)[ids]
    return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
