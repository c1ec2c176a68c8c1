"""HappyFox's ``q`` search syntax, shared by ``tickets/`` and ``users/``: space-separated terms, each
``field:value``, ``field:"a value"`` or ``field:"one","other"`` (any of them), or a bare word or
``"quoted words"`` (field None). Terms are ANDed; dates are ``YYYY/MM/DD`` or ``YYYY-MM-DD``."""
import re
from datetime import datetime

MAX_Q = 1000
MAX_TERMS = 20
TERM = re.compile(r'\s*(?:([A-Za-z][\w-]{0,40}):((?:"[^"]*"|[^\s",]+)(?:,(?:"[^"]*"|[^\s",]+))*)|"([^"]*)"|(\S+))')
FIELD_ONLY = re.compile(r"^[A-Za-z][\w-]{0,40}:$")
VALUE = re.compile(r'"([^"]*)"|([^\s",]+)')


class BadQuery(ValueError):
    """The ``q`` text cannot be read; the message says why."""


def parse(text: str) -> list[tuple[str | None, list[str]]]:
    """The terms of ``text``: (field lower-cased or None, values). Raises BadQuery."""
    if len(text) > MAX_Q:
        raise BadQuery(f"A search is at most {MAX_Q} characters.")
    terms: list[tuple[str | None, list[str]]] = []
    position, text = 0, text.strip()
    while position < len(text):
        match = TERM.match(text, position)
        if match is None or match.end() == position:
            raise BadQuery("Write field:value or field:\"a value\" terms separated by spaces.")
        position = match.end()
        field, values, quoted, bare = match.groups()
        if field is not None:
            terms.append((field.lower(), [a or b for a, b in VALUE.findall(values)]))
        elif bare is not None and '"' in bare:
            raise BadQuery("A quote is not closed.")
        elif bare is not None and FIELD_ONLY.match(bare):
            raise BadQuery(f"Give a value after {bare[:40]}")
        else:
            terms.append((None, [quoted if quoted is not None else str(bare)]))
        if len(terms) > MAX_TERMS:
            raise BadQuery(f"A search has at most {MAX_TERMS} terms.")
    return terms


def day(value: str) -> datetime:
    """A ``YYYY/MM/DD`` or ``YYYY-MM-DD`` date. Raises BadQuery."""
    for form in ("%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), form)
        except ValueError:
            continue
    raise BadQuery("Dates are YYYY/MM/DD.")
