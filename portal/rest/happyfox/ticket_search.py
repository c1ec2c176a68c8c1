"""``tickets/``'s filters, ``q`` terms and ``sort`` keys, as one select of requests (trashed ones never).

- ``status``: ``_all`` (default), ``_pending`` (open requests), or status ids, comma separated.
- ``category``: category ids, repeated or comma separated.
- ``q`` (see ``query``): ``status:`` and ``category:`` (names or ids), ``priority:`` (``normal``/``urgent``
  or 1/2), ``tag:``, ``assignee:`` (staff id, email or name; ``none`` for unassigned), ``contact:`` (an email,
  or words of the contact's name), ``subject:``, ``created-on-or-after:``, ``created-on-or-before:``,
  ``created-on:``, ``updated-on-or-after:``, ``updated-on-or-before:`` (``YYYY/MM/DD``), and bare words (in
  the subject). A term with several values matches any of them; terms are ANDed.
- ``sort``: ``created``/``updated``/``last_modified``/``priority``/``id``, newest or highest first; ``a`` at
  the end for ascending, ``d`` for descending (``createa``, ``updateda``, ``priorityd``, ``last_modifiedd``).
"""
from datetime import timedelta

from flask import request
from sqlalchemy import func, or_

from ...accounts.models import Staff
from ...extensions import db
from ...requests.models import Category, Request, RequestTag, Status, request_tag_link
from .lookups import NORMAL, URGENT
from .query import BadQuery, day, parse

SORTS = {"created": (Request.opened_at, Request.id), "create": (Request.opened_at, Request.id),
         "updated": (Request.updated_at, Request.id), "last_modified": (Request.updated_at, Request.id),
         "priority": (Request.urgent, Request.id), "id": (Request.id,)}
MAX_IDS = 200


def _ids(values: list[str], what: str) -> list[int]:
    if len(values) > MAX_IDS or not all(v.isascii() and v.isdigit() and len(v) <= 10 for v in values):
        raise BadQuery(f"Give {what} ids.")
    return [int(v) for v in values]


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _by_name_or_id(model, values: list[str]):
    ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10]
    names = [v.lower() for v in values if v not in map(str, ids)]
    return or_(model.id.in_(ids), func.lower(model.name).in_(names))


def _term(field: str | None, values: list[str]):
    """The condition one ``q`` term stands for. Raises BadQuery."""
    values = [v.strip() for v in values if v.strip()]
    if not values:
        raise BadQuery(f"Give a value after {field}:." if field else "Empty search term.")
    if field is None or field == "subject":
        return Request.title.ilike(_like(values[0]), escape="\\") if field is None else \
            or_(*(Request.title.ilike(_like(v), escape="\\") for v in values))
    if field == "status":
        return Request.status_id.in_(db.select(Status.id).where(_by_name_or_id(Status, values)))
    if field == "category":
        return Request.category_id.in_(db.select(Category.id).where(_by_name_or_id(Category, values)))
    if field == "priority":
        wanted = {v.lower() for v in values}
        if not wanted <= {"normal", "urgent", str(NORMAL), str(URGENT)}:
            raise BadQuery("Priorities are normal or urgent (1 or 2).")
        return Request.urgent.in_([v in ("urgent", str(URGENT)) for v in wanted])
    if field == "tag":
        return Request.id.in_(db.select(request_tag_link.c.request_id).join(RequestTag)
                              .where(RequestTag.name_key.in_([v.lower() for v in values])))
    if field == "assignee":
        return _assignee(values)
    if field == "contact":
        return or_(*(Request.email == v.lower() if "@" in v else
                     func.lower(Request.first_name + " " + Request.last_name).like(_like(v), escape="\\")
                     for v in values))
    return _dates(field, values[0])


def _assignee(values: list[str]):
    conditions: list = []
    for value in values:
        if value.lower() in ("none", "unassigned"):
            conditions.append(Request.assigned_to_id.is_(None))
        elif value.isascii() and value.isdigit() and len(value) <= 10:
            conditions.append(Request.assigned_to_id == int(value))
        else:
            who = db.select(Staff.id).where(or_(Staff.email == value.lower(),
                                                func.lower(Staff.first_name + " " + Staff.last_name) == value.lower()))
            conditions.append(Request.assigned_to_id.in_(who))
    return or_(*conditions)


def _dates(field: str, value: str):
    column, _, rule = field.partition("-")
    columns = {"created": Request.opened_at, "updated": Request.updated_at}
    if column not in columns or rule not in ("on-or-after", "on-or-before", "on", "after", "before"):
        raise BadQuery(f"Unknown search field {field[:40]}.")
    start = day(value)
    end = start + timedelta(days=1)
    target = columns[column]
    return {"on-or-after": target >= start, "after": target >= end, "on-or-before": target < end,
            "before": target < start, "on": (target >= start) & (target < end)}[rule]


def _order(key: str):
    raw = key.strip().lower() or "created"
    ascending = False
    name = raw
    if name not in SORTS and name[-1:] in ("a", "d") and name[:-1] in SORTS:
        name, ascending = name[:-1], raw.endswith("a")
    if name not in SORTS:
        raise BadQuery("Sort by created, updated, last_modified, priority or id, with a or d at the end for "
                       "ascending or descending.")
    return [c.asc() if ascending else c.desc() for c in SORTS[name]]


def listing():
    """The select the query string asks for, ordered; and the problems found, as (field, code, message)."""
    query = db.select(Request).where(Request.trashed.is_(False))
    problems: list = []
    chosen = [s.strip() for s in (request.args.get("status", "") or "_all").split(",") if s.strip()] or ["_all"]
    try:
        if chosen == ["_pending"]:
            query = query.where(Request.is_open.is_(True))
        elif chosen != ["_all"]:
            query = query.where(Request.status_id.in_(_ids(chosen, "status")))
    except BadQuery:
        problems.append(("status", "invalid_choice", "Use _all, _pending or status ids."))
    categories = [c.strip() for raw in request.args.getlist("category") for c in raw.split(",") if c.strip()]
    try:
        if categories:
            query = query.where(Request.category_id.in_(_ids(categories, "category")))
    except BadQuery:
        problems.append(("category", "invalid", "Give category ids."))
    try:
        for field, values in parse(request.args.get("q", "")):
            query = query.where(_term(field, values))
    except BadQuery as exc:
        problems.append(("q", "invalid", str(exc)))
    try:
        query = query.order_by(*_order(request.args.get("sort", "")[:40]))
    except BadQuery as exc:
        problems.append(("sort", "invalid_choice", str(exc)))
    return query, problems
