"""Pages of a collection: ``page`` and ``count`` from the query string, and links to the other pages."""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request

from .body import InvalidInput

MAX_PAGE = 1_000_000  # past it nobody is paging by hand; a huge OFFSET is refused, not run


@dataclass
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def paging(default: int = 10, largest: int = 200) -> Paging:
    """Read ``page`` (from 1) and ``count`` (1..largest). Raises InvalidInput naming the bad parameter."""
    problems, values = [], {}
    for name, fallback, high in (("page", 1, MAX_PAGE), ("count", default, largest)):
        raw = request.args.get(name, "").strip()
        if not raw:
            values[name] = fallback
        elif raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= high:
            values[name] = int(raw)
        else:
            problems.append((name, "out_of_range", f"This value should be a whole number between 1 and {high}."))
    if problems:
        raise InvalidInput(problems)
    return Paging(values["page"], values["count"])


def total_pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def page_links(paging_: Paging, total: int) -> dict[str, str | None]:
    """first/prev/next/last/self as paths with the request's other parameters kept."""
    last = total_pages(total, paging_.per_page)
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def link(page: int | None) -> str | None:
        if page is None:
            return None
        return f"{request.path}?{urlencode(kept + [('page', page)])}"

    return {"first": link(1), "prev": link(paging_.page - 1 if paging_.page > 1 else None),
            "next": link(paging_.page + 1 if paging_.page < last else None), "last": link(last),
            "self": link(paging_.page)}
