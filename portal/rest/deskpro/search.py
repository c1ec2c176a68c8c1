"""``search?q=&types=``: Portico's own search (``portal.search.query``) over tickets and articles, and people
by email, grouped by type as DeskPRO answers: ``data.grouped_results[{type, results}]``.

Each type shows only what the key's staff member may see: tickets need the ``requests`` right (without it
the group is empty), articles follow ``articles.sees_all`` (hidden and private pages with the ``kb`` right,
else what customers may read), people need the ``requests`` right. ``count`` (1-50, default 10) caps each
group. Ranking is the search index's; a trashed request is left out.
"""
from flask import request

from ...accounts.models import Customer
from ...extensions import db
from ...kb.models import Page
from ...requests.categories import visible_condition
from ...requests.models import Request
from ...search import query as search
from ..body import InvalidInput
from . import articles, people, tickets
from .dialect import envelope, route

TYPES = ("ticket", "article", "person")
ALIASES = {"tickets": "ticket", "articles": "article", "people": "person", "persons": "person", "user": "person",
           "users": "person"}
MAX_QUERY = 200


def _count() -> int:
    raw = request.args.get("count", "").strip()
    if not raw:
        return 10
    if raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= 50:
        return int(raw)
    raise InvalidInput([("count", "out_of_range", "This value should be a whole number between 1 and 50.")])


def _types() -> list[str]:
    raw = [part.strip().lower() for part in request.args.get("types", "").split(",") if part.strip()]
    wanted = [ALIASES.get(part, part) for part in raw] or list(TYPES)
    unknown = [part for part in wanted if part not in TYPES]
    if unknown:
        raise InvalidInput([("types", "invalid_choice", f"Search any of {', '.join(TYPES)}.")])
    return list(dict.fromkeys(wanted))


def _tickets(caller, q: str, count: int) -> list[dict]:
    if caller.staff is None or not caller.staff.can("requests"):
        return []
    hits = search.search_requests(q, staff=caller.staff, per_page=count).hits
    ids = [hit.id for hit in hits]
    rows = {r.id: r for r in db.session.execute(db.select(Request).where(Request.id.in_(ids),
                                                                         Request.trashed.is_(False),
                                                                         visible_condition(caller.staff))).scalars()}
    found = [rows[i] for i in ids if i in rows]
    people_ = tickets._people(found)
    return [tickets.ticket(r, people_) for r in found]


def _articles(caller, q: str, count: int) -> list[dict]:
    everything = articles.sees_all(caller)
    hits = search.search_kb(q, staff=caller.staff if everything else None, per_page=count).hits
    ids = [hit.id for hit in hits]
    # The index decides the order; the database decides what is still there and may be seen.
    visible = articles._pages(caller).where(Page.id.in_(ids))
    rows = {p.id: p for p in db.session.execute(visible).scalars()}
    return [articles.article(rows[i]) for i in ids if i in rows]


def _people(caller, q: str, count: int) -> list[dict]:
    if caller.staff is None or not caller.staff.can("requests"):
        return []
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = list(db.session.execute(db.select(Customer).where(Customer.email.like(pattern, escape="\\"))
                                   .order_by(Customer.email).limit(count)).scalars())
    counts = people.ticket_counts(rows)
    return [people.person(c, counts) for c in rows]


SEARCHES = {"ticket": _tickets, "article": _articles, "person": _people}


@route("/search", "GET", "search.search.get")
def run_search(caller):
    q = request.args.get("q", "").strip()
    if not q:
        raise InvalidInput([("q", "required", "This value should not be blank.")])
    if len(q) > MAX_QUERY:
        raise InvalidInput([("q", "too_long", f"This value is too long. It should have {MAX_QUERY} characters "
                                             "or less.")])
    count, types = _count(), _types()
    groups = [{"type": kind, "results": SEARCHES[kind](caller, q, count)} for kind in types]
    return envelope({"grouped_results": groups}, meta={"q": q, "types": types})
