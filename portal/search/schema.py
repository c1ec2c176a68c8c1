"""One Whoosh schema per content type, and the stemming analyzer they share.

Every text field is plain text (HTML stripped before indexing). What a results page shows is stored,
so a page of hits needs no database query. ``public`` is what a customer may see; staff see all.

An index keeps the schema it was built with. When the schema here changes, an older index still answers
but ``outdated`` says so, and ``flask --app wsgi search reindex`` rebuilds it.
"""
import sys
from array import array

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions

# Stop words dropped; words stemmed so "passwords" finds "password". minsize=1 keeps "2fa"-style tokens.
ANALYZER = StemmingAnalyzer(minsize=1)


class PackedPositions(Positions):
    """Whoosh's Positions format, with each posting's positions stored as 32-bit little-endian integers
    instead of a count and a pickled list of deltas.

    Phrase checks (ranking.py) read the positions of thousands of postings at once: packed, they are one
    numpy array for a whole posting list; pickled, each posting had to be unpickled on its own (60 ms
    for the commonest word of the forum benchmark, where a phrase query must stay under 20 ms). Whoosh's
    own phrase search reads them through ``decode_positions`` as before.

    The index's table of contents names this class: keep its module and name, or old indexes cannot
    be opened (search then answers 503 until a reindex)."""

    _LITTLE = sys.byteorder == "little"

    def encode(self, poslist) -> bytes:
        packed = array("I", poslist)
        if not self._LITTLE:
            packed.byteswap()
        return packed.tobytes()

    def decode_positions(self, valuestring) -> list[int]:
        packed = array("I")
        packed.frombytes(valuestring)
        if not self._LITTLE:
            packed.byteswap()
        return packed.tolist()

    def decode_frequency(self, valuestring) -> int:
        return len(valuestring) // 4


assert array("I").itemsize == 4, "PackedPositions needs 4-byte unsigned integers"


def _text(boost: float = 1.0, stored: bool = False, spelling: bool = False, analyzer=ANALYZER) -> TEXT:
    field = TEXT(analyzer=analyzer, field_boost=boost, stored=stored, spelling=spelling)
    field.format = PackedPositions(field_boost=boost)
    return field


def _number(**kwargs) -> NUMERIC:
    # One exact term per value (shift_step=0): ids are only ever matched exactly, and Whoosh's default
    # of sixteen range-precision terms per number was the bulk of every document's postings.
    return NUMERIC(int, bits=64, signed=False, shift_step=0, **kwargs)


def kb_schema() -> Schema:
    return Schema(
        id=_number(stored=True, unique=True),
        title=_text(3.0, stored=True, spelling=True),
        body=_text(stored=True, spelling=True),
        book=_text(0.5, stored=True),
        chapter=_text(0.5, stored=True),
        tags=KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=1.5),
        public=BOOLEAN(),
        book_id=_number(stored=True),
        chapter_id=_number(stored=True),
        updated_at=DATETIME(stored=True),
    )


def forum_schema() -> Schema:
    """One document per topic: its title and every visible (not spam) post, so a hit is a topic and counts
    are topic counts. Spelling words come from titles only: a spelling copy of 100,000 post bodies would
    cost a third of the reindex time."""
    return Schema(
        id=_number(stored=True, unique=True),
        title=_text(3.0, stored=True, spelling=True),
        body=_text(stored=True),
        forum=_text(0.5, stored=True),
        public=BOOLEAN(),
        forum_id=_number(stored=True),
        posted_at=STORED(),
    )


def request_schema() -> Schema:
    """One document per request (staff only): subject, customer and every note."""
    return Schema(
        id=_number(stored=True, unique=True),
        title=_text(3.0, stored=True, spelling=True),
        customer=_text(2.0, analyzer=TEXT().analyzer),  # Whoosh's standard analyzer: emails, names
        display=STORED(),  # the customer's display name (HelpSpot's desc for a request hit)
        body=_text(stored=True, spelling=True),
        posted_at=STORED(),
    )


SCHEMAS = {"kb": kb_schema, "forums": forum_schema, "requests": request_schema}
KINDS = tuple(SCHEMAS)


def outdated(schema, kind: str) -> bool:
    """Whether an index's schema differs from the current one for ``kind`` (field names, types and
    formats): it was built by an older version and ``flask --app wsgi search reindex`` brings it up
    to date (phrase queries are slower on it until then; everything else works)."""
    current = SCHEMAS[kind]()
    if sorted(schema.names()) != sorted(current.names()):
        return True
    return any(type(schema[name]) is not type(current[name])
               or type(schema[name].format) is not type(current[name].format) for name in current.names())
