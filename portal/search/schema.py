"""One Whoosh schema per content type, and the stemming analyzer they share.

Every text field is plain text (HTML stripped before indexing). What a results page shows is stored,
so a page of hits needs no database query. ``public`` is what a customer may see; staff see all.

An index keeps the schema it was built with. When the schema here changes, an older index still answers
but ``outdated`` says so, and ``flask --app wsgi search reindex`` rebuilds it.
"""
import sys
from array import array
from functools import cache

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StemmingAnalyzer, StopFilter
from whoosh.fields import BOOLEAN, DATETIME, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.lang import stopwords_for_language

# Stop words dropped; words stemmed so "passwords" finds "password". minsize=1 keeps "2fa"-style tokens.
ANALYZER = StemmingAnalyzer(minsize=1)
# Languages with a Snowball stemmer and stop words (kb pages in other languages are indexed unstemmed).
STEMMED = ("en", "de", "fr", "es")


@cache
def analyzer_for(language: str | None):
    """The analyser of one language's KB index: English keeps the Porter ``ANALYZER`` (existing indexes stay
    current); German, French and Spanish get Snowball stemmers and stop words; any other language is split
    into lower-case words only."""
    if language in (None, "en"):
        return ANALYZER
    if language in STEMMED:
        return (RegexTokenizer() | LowercaseFilter()
                | StopFilter(stoplist=stopwords_for_language(language), minsize=1)
                | StemFilter(lang=language, cachesize=50000))
    return RegexTokenizer() | LowercaseFilter()


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


def kb_schema(language: str | None = None) -> Schema:
    """One document per page in one language. ``kb`` is the default language's index (what HelpSpot's
    kb.search and a visitor in that language search); ``kb-de``... hold each other enabled language's
    translation of every page, or the default language's text where a page has none (``language`` says
    which: empty for the default language's)."""
    analyzer = analyzer_for(language)
    return Schema(
        id=_number(stored=True, unique=True),
        title=_text(3.0, stored=True, spelling=True, analyzer=analyzer),
        body=_text(stored=True, spelling=True, analyzer=analyzer),
        book=_text(0.5, stored=True, analyzer=analyzer),
        chapter=_text(0.5, stored=True, analyzer=analyzer),
        language=STORED(),
        slug=STORED(),
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
LANGUAGE_PREFIX = "kb-"


def kb_language_kind(language: str) -> str:
    """The index of one non-default language's KB pages ("kb-de")."""
    return f"{LANGUAGE_PREFIX}{language}"


def language_of(kind: str) -> str | None:
    """The language of a ``kb-xx`` index; None for the others (``kb`` is the default language's)."""
    return kind[len(LANGUAGE_PREFIX):] if kind.startswith(LANGUAGE_PREFIX) else None


def default_language() -> str:
    from flask import has_app_context

    if not has_app_context():
        return "en"
    from ..kb import languages

    try:
        return languages.default()
    except Exception:  # an index first created by a write after a commit, where settings cannot be read:
        return "en"    # `flask search status` then calls it outdated, and a reindex fixes it


def language_kinds() -> tuple[str, ...]:
    """The KB indexes of the site's languages other than the default (needs an app context)."""
    from ..kb import languages

    return tuple(kb_language_kind(code) for code in languages.enabled()[1:])


def all_kinds() -> tuple[str, ...]:
    """Every index this site keeps: KINDS and a KB index per further language."""
    return KINDS + language_kinds()


def is_kind(kind: str) -> bool:
    language = language_of(kind)
    return kind in SCHEMAS or (language is not None and language.isalpha() and len(language) <= 10)


def schema_for(kind: str) -> Schema:
    """The current schema of ``kind``: ``kb`` is analysed in the site's default language."""
    language = language_of(kind)
    if language is not None:
        return kb_schema(language)
    if kind == "kb":
        return kb_schema(default_language())
    return SCHEMAS[kind]()


def outdated(schema, kind: str) -> bool:
    """Whether an index's schema differs from the current one for ``kind`` (field names, types, formats
    and the text analyser, which changes with the default language): it was built by an older version, or
    before the default language changed, and ``flask --app wsgi search reindex`` brings it up to date."""
    current = schema_for(kind)
    if sorted(schema.names()) != sorted(current.names()):
        return True
    return any(type(schema[name]) is not type(current[name])
               or type(schema[name].format) is not type(current[name].format)
               or (name in ("title", "body") and schema[name].analyzer != current[name].analyzer)
               for name in current.names())
