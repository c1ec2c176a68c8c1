"""Every use of Whoosh's internals, in one place: private attributes, underscore names, internal modules,
and the two start-up patches.

The rest of the package uses Whoosh's public API (indexes, writers, searchers, queries, the parser)
and, for the fast ranking in ranking.py, the functions here. Each relies on how whoosh-reloaded 2.7
lays out its W3 codec or builds its matchers; tests/search/test_whoosh_internals.py checks every one of
those assumptions by name, so an upgrade that changes one fails there with a message saying which,
rather than as a wrong score somewhere else. setup.cfg bounds the version (<2.8) for the same reason.
"""
import random

import numpy as np
from whoosh import util, writing
from whoosh.codec import base, whoosh3
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.filedb import compound, filestore
from whoosh.filedb.structfile import StructFile
from whoosh.matching import ListMatcher
from whoosh.query import Or
from whoosh.util import make_weighted_tree
from whoosh.util.numeric import byte_to_length

__all__ = ["LENGTHS", "NotW3Postings", "bm25f_parameters", "close_files_in", "deleted_documents", "length_codes",
           "make_weighted_tree", "or_uses_array_union", "patch_whoosh", "phrase_words", "posting_blocks",
           "prefix_words", "remembered", "segment_key"]

# A field length as Whoosh scores it, by its stored byte (Whoosh keeps lengths as one lossy byte).
LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class NotW3Postings(Exception):
    """A posting list not stored the way the W3 codec stores it (another codec): ranking.py's
    caller then runs Whoosh's own search."""


# Reading segments --------------------------------------------------------------------------------

def segment_key(reader):
    """What names a segment's files for good (the folder and the segment's random id; a segment's files
    are never rewritten), or None for a reader that is not one segment on disk."""
    segment = getattr(reader, "_segment", None)
    storage = getattr(reader, "_storage", None)
    return None if segment is None else (getattr(storage, "folder", id(storage)), segment.segment_id())


def deleted_documents(reader) -> list[int]:
    """The segment-local numbers of the documents deleted from one segment."""
    return list(reader.deleted_docs_set) if reader.has_deletions() else []


def length_codes(reader, fieldname: str, count: int) -> np.ndarray:
    """Each document's length of ``fieldname`` as the byte Whoosh stores (LENGTHS turns it into the
    length Whoosh scores with); 0 where the segment keeps no length. Read in one slice of the column's
    file rather than a Python call per document."""
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    codes = np.zeros(count, dtype=np.uint8)
    if column is not None:
        stored = min(column._count, count)
        codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return codes


def posting_blocks(reader, fieldname: str, btext: bytes, format_) -> list[tuple]:
    """A term's postings in one segment, block by block as stored: (ids, weights, values) with ids
    ascending and absolute, weights None when all are 1, one float when all are equal, else a tuple;
    values the raw bytes of each posting (``format_`` decodes them). Raises NotW3Postings."""
    matcher = reader._terms.matcher(fieldname, btext, format_)
    if isinstance(matcher, ListMatcher):  # a single posting, inlined in the term's entry
        return [(np.asarray(matcher._ids, dtype=np.int64), matcher._weights or None, matcher._values)]
    if not isinstance(matcher, W3LeafMatcher):
        raise NotW3Postings(type(matcher).__name__)
    blocks = []
    while not matcher._atend:
        matcher._read_data()
        ids, weights, values = matcher._data
        blocks.append((np.cumsum(np.asarray(ids, dtype=np.int64)), weights, values))  # ids are delta-coded
        matcher._next_block()
    return blocks


def bm25f_parameters(scorer) -> tuple[float, float, float, float]:
    """(idf, average field length, B, K1) of the BM25F scorer Whoosh built for one term and segment."""
    return scorer.idf, scorer.avgfl, scorer.B, scorer.K1


# Queries ------------------------------------------------------------------------------------------

def prefix_words(query, reader) -> list[bytes]:
    """The words of one segment a Prefix (or other multi-term query) expands to."""
    return [word for word in query._btexts(reader) if word]


def phrase_words(phrase):
    """The phrase's words ANDed, as Whoosh builds that query (the phrase's candidates)."""
    return phrase._and_query()


def or_uses_array_union(query, segment_size: int) -> bool:
    """Whether Whoosh scores this Or (not the only child) with an array union rather than a tree of
    unions: Or.matcher's automatic choice in a top-N search. Raises ValueError when someone set
    another matcher type on Or."""
    if Or.matcher_type != Or.AUTO_MATCHER:
        raise ValueError("Or.matcher_type")
    subs = query.subqueries
    return not (len(subs) < Or.TOO_MANY_CLAUSES and (query.scale or len(subs) == 2 or segment_size > 5000))


# Searchers ------------------------------------------------------------------------------------------

def remembered(searcher, name: str, make):
    """``make(searcher)``, worked out once per searcher and kept on it (searchers are kept between queries
    until the index changes, portal.search.SearchIndex)."""
    attribute = f"_portico_{name}"
    found = getattr(searcher, attribute, None)
    if found is None:
        found = make(searcher)
        setattr(searcher, attribute, found)
    return found


def close_files_in(traceback) -> None:
    """Close the index files a failed open left open (Whoosh leaves the table of contents open when it
    cannot parse it) rather than leave them to the garbage collector and a ResourceWarning."""
    while traceback is not None:
        for value in list(traceback.tb_frame.f_locals.values()):
            if isinstance(value, StructFile) and not value.is_closed:
                value.close()
        traceback = traceback.tb_next


# Start-up patches -----------------------------------------------------------------------------------
# Each names the upstream code it works around. No whoosh-reloaded issue reports either yet; both are
# unchanged at its latest commit (0ffd01a, after v2.7.5). tests/search/test_whoosh_internals.py checks the
# installed version still behaves so: when that test fails, the patch is no longer needed; remove it.

_MISSING = object()
_SYSTEM = random.SystemRandom()


def _cached_reader(self, fieldname, column):
    # Upstream: src/whoosh/codec/whoosh3.py, W3PerDocReader._cached_reader caches a column reader but not
    # "no such column", so for a field without lengths (numbers, booleans, spelling copies) every posting
    # written asks the file system again: a stat call per posting, a third of a full reindex.
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def _random_name(size=28):
    # Upstream: src/whoosh/util/__init__.py, random_name draws segment and temporary file names from the
    # shared ``random`` module. Anything that seeds it (Hypothesis, before every example) makes the next
    # segment take a live segment's name, and its files overwrite that segment's ("Unknown file header").
    return "".join(_SYSTEM.choice(util.IDCHARS) for _ in range(size))


# Each module imported random_name itself, so each needs the patched one.
_NAMERS = (util, base, writing, compound, filestore)


def patch_whoosh() -> None:
    """Install both patches (idempotent; called by portal.search.init_app)."""
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    for module in _NAMERS:
        module.random_name = _random_name
