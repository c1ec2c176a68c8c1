"""Counting what people searched for that found nothing, or found something only when forgiven."""
import re
from urllib.parse import quote, unquote

from sqlalchemy.exc import IntegrityError

from ..dates import utcnow
from ..extensions import db
from .models import SearchCount

_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s\"'-]+")


def normalised(text: str) -> str:
    """What one search is counted under: lower case, punctuation dropped, words singly spaced."""
    return _SPACE.sub(" ", _PUNCTUATION.sub(" ", (text or "").lower())).strip()[:200]


def count_search(typed: str, total: int, forgiven: bool) -> None:
    """Count a portal search that found nothing ("none") or only its forgiving retry found ("fuzzy").
    Flushes, never commits."""
    if forgiven:
        outcome = "fuzzy"
    elif total == 0:
        outcome = "none"
    else:
        return
    text = normalised(typed)
    if not text:
        return
    found = db.select(SearchCount).where(SearchCount.outcome == outcome, SearchCount.words == text)
    row = db.session.scalar(found)
    if row is None:
        try:
            with db.session.begin_nested():  # another worker may count the same search at the same moment
                db.session.add(SearchCount(outcome=outcome, words=text, count=1, last_seen=utcnow()))
            return
        except IntegrityError:
            row = db.session.scalar(found)
            if row is None:
                return
    db.session.execute(db.update(SearchCount).where(SearchCount.id == row.id)
                       .values(count=SearchCount.count + 1, last_seen=utcnow()))


def most_missed(outcome: str = "none", limit: int = 20) -> list[SearchCount]:
    return list(db.session.scalars(db.select(SearchCount).where(SearchCount.outcome == outcome)
                                   .order_by(SearchCount.count.desc(), SearchCount.last_seen.desc()).limit(limit)))


OUTCOME_HEADER = "X-Portico-Search-Outcome"


def mark_reply(response, typed: str, total: int, forgiven: bool) -> None:
    """Say on the search page's reply what to count (kept with it by the page cache, so a search answered
    from the cache is counted too; ``count_from_reply`` takes it off)."""
    outcome = "fuzzy" if forgiven else "none" if total == 0 else None
    if outcome:
        response.headers[OUTCOME_HEADER] = f"{outcome}:{quote(typed)}"


def count_from_reply(response):
    """``after_request`` of the search pages: count what ``mark_reply`` said, and never send the header."""
    said = response.headers.pop(OUTCOME_HEADER, None)
    if said and response.status_code == 200:
        outcome, _, typed = said.partition(":")
        count_search(unquote(typed), 0, outcome == "fuzzy")
    return response
