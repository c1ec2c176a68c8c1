"""private.request.search: requests matching every (``anyall=all``) or any given criterion."""
from sqlalchemy import ColumnElement, and_, or_

from ...dates import from_unix
from ...extensions import db
from ...requests import categories, queue, workflow
from ...requests.models import Note, Request
from ...text import strip_tags
from .. import readable, shapes
from ..registry import Params, api_method

EQUALS = {"xRequest": Request.id, "sUserId": Request.user_id, "sFirstName": Request.first_name,
          "sLastName": Request.last_name, "sEmail": Request.email, "sPhone": Request.phone,
          "xStatus": Request.status_id, "xCategory": Request.category_id, "fOpen": Request.is_open,
          "xPersonAssignedTo": Request.assigned_to_id}
DATES = {"beforeDate": (Request.opened_at, "<"), "afterDate": (Request.opened_at, ">"),
         "closedBeforeDate": (Request.closed_at, "<"), "closedAfterDate": (Request.closed_at, ">")}
ORDER = {"xRequest": Request.id, "sLastName": Request.last_name, "sFirstName": Request.first_name,
         "sEmail": Request.email, "dtGMTOpened": Request.opened_at, "dtGMTClosed": Request.closed_at,
         "xStatus": Request.status_id, "xCategory": Request.category_id, "sUserId": Request.user_id}
MAX_LENGTH = 1000


def criteria(p: Params) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for name, column in EQUALS.items():
        if p.has(name):
            value = p.text(name)
            if name in ("fOpen",):
                conditions.append(column.is_(value not in ("0", "false")))
            elif name.startswith("x"):
                conditions.append(column == (p.int(name, -1) or None))
            else:
                conditions.append(column == (value.lower() if name == "sEmail" else value))
    for name, (column, op) in DATES.items():
        if (unix_time := p.int(name)) is not None:
            when = from_unix(unix_time)
            conditions.append(column < when if op == "<" else column > when)
    if p.has("sSearch"):
        conditions.append(queue.text_match(p.staff, p.text("sSearch")))
    return conditions


def summary(req, note) -> str:
    text = strip_tags(note.body)[:200] if note is not None else ""
    return f'<span class="initsubject">{req.title}</span> - {text}' if req.title else text


@api_method("private.request.search", "requests",
            optional=("anyall", "fRawValues", "sSearch", "start", "length", "orderBy", "orderByDir",
                      *EQUALS, *DATES))
def private_request_search(p: Params):
    workflow.require(p.staff)
    conditions = criteria(p)
    query = db.select(Request).where(categories.visible_condition(p.staff))
    if conditions:
        query = query.where(or_(*conditions) if p.text("anyall").lower() == "any" else and_(*conditions))
    column = ORDER.get(p.text("orderBy"), Request.opened_at)
    query = query.order_by(column.asc() if p.text("orderByDir").lower() == "asc" else column.desc(), Request.id.desc())
    length = min(max(p.int("length", 0) or MAX_LENGTH, 1), MAX_LENGTH)
    found = list(db.session.execute(query.offset(max(0, p.int("start", 0))).limit(length)).scalars())
    initial = {n.request_id: n for n in db.session.execute(
        db.select(Note).where(Note.request_id.in_([r.id for r in found]), Note.is_initial.is_(True))).scalars()}
    raw = p.flag("fRawValues")
    rows = []
    for req in found:
        fields = {**shapes.request_fields(req, []), "tNote": summary(req, initial.get(req.id))}
        rows.append(fields if raw else readable.readable(req, fields))
    return {"request": rows}
