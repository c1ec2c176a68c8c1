"""One Whoosh schema per content type, and the stemming analyzer they share.

Every text field is plain text (HTML stripped before indexing). What a results page shows is stored,
so a page of hits needs no database query. ``public`` is what a customer may see; staff see all.
"""
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import BOOLEAN, DATETIME, KEYWORD, NUMERIC, STORED, TEXT, Schema

# Stop words dropped; words stemmed so "passwords" finds "password". minsize=1 keeps "2fa"-style tokens.
ANALYZER = StemmingAnalyzer(minsize=1)


def _text(boost: float = 1.0, stored: bool = False, spelling: bool = False) -> TEXT:
    return TEXT(analyzer=ANALYZER, field_boost=boost, stored=stored, spelling=spelling)


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
        customer=TEXT(field_boost=2.0),
        display=STORED(),  # the customer's display name (HelpSpot's desc for a request hit)
        body=_text(stored=True, spelling=True),
        posted_at=STORED(),
    )


SCHEMAS = {"kb": kb_schema, "forums": forum_schema, "requests": request_schema}
