"""Reference lists clients read to fill their forms, and the collections Portico has no concept for.

- ``ticket_statuses``: DeskPRO's status codes, then Portico's own statuses.
- ``ticket_departments`` and ``ticket_categories``: both are Portico's request categories (a ticket's
  ``department`` and ``category`` are the same request category).
- ``ticket_custom_fields``: the request custom fields (``requests.fields.all_fields``, as the private
  HelpSpot API lists them).
- ``agents``: staff members (active ones; ``?all=1`` adds deactivated accounts), the right to read them
  being the ``requests`` right, as ``private.util.getActiveStaff``.
- ``ticket_priorities``, ``ticket_products``, ``ticket_workflows``, ``organizations``: Portico has none (its
  urgency is a ticket's ``urgency``), so each answers an empty list and its items 404: never invented rows.
"""
from flask import request

from ...accounts.models import Staff
from ...errors import NotFound
from ...extensions import db
from ...requests import fields as custom_fields
from ...requests import workflow
from ...requests.models import Category, RequestTag, Status, request_tag_link
from ..paging import paging
from .dialect import collection, envelope, route
from .me import agent

STATUS_CODES = [("awaiting_agent", "Awaiting Agent", "active"), ("awaiting_user", "Awaiting User", "active"),
                ("resolved", "Resolved", "resolved"), ("hidden.spam", "Spam", "hidden"),
                ("hidden.deleted", "Deleted", "hidden")]
# A ticket's ``status`` (with ``hidden_status`` beside it for hidden ones) -> its row, for sideloads.
STATUS_ROWS = {code: {"status_code": code, "title": title, "status_type": kind} for code, title, kind in
               STATUS_CODES + [("hidden", "Hidden", "hidden")]}
WIDGETS = {"select": "choice", "text": "text", "lrgtext": "textarea", "checkbox": "toggle", "numtext": "text",
           "decimal": "text", "regex": "text", "date": "date", "datetime": "datetime"}


@route("/ticket_statuses", "GET", "tickets.ticket_statuses.list")
def ticket_statuses(caller):
    """DeskPRO's status codes, then Portico's own statuses (settable on a ticket by their id)."""
    workflow.require(caller.staff)
    rows = [dict(STATUS_ROWS[code]) for code, _, _ in STATUS_CODES]
    for status in db.session.execute(db.select(Status).order_by(Status.position, Status.id)).scalars():
        rows.append({"id": status.id, "status_code": str(status.id), "title": status.name,
                     "status_type": "resolved" if status.closes else "active"})
    return envelope(rows)


def department(category: Category) -> dict:
    return {"id": category.id, "title": category.name, "parent": None, "is_tickets_enabled": True,
            "user_title": category.name, "display_order": 0, "is_public": category.public_submit}


def _categories() -> list[dict]:
    """Request categories that are not deleted, by name."""
    rows = db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                              .order_by(Category.name, Category.id)).scalars()
    return [department(c) for c in rows]


@route("/ticket_departments", "GET", "tickets.ticket_departments.list")
def ticket_departments(caller):
    workflow.require(caller.staff)
    return envelope(_categories())


@route("/ticket_categories", "GET", "tickets.ticket_categories.list")
def ticket_categories(caller):
    workflow.require(caller.staff)
    return envelope(_categories())


def custom_field(field) -> dict:
    items = field.list_items if field.field_type == "select" else []
    return {"id": field.id, "title": field.name, "description": "", "widget_type": WIDGETS.get(field.field_type,
            "text"), "is_enabled": True, "is_required": field.required, "is_agent_field": not field.public,
            "display_order": field.position, "default_value": None,
            "choices": [{"id": number, "title": item, "value": item} for number, item in enumerate(items, 1)]}


@route("/ticket_custom_fields", "GET", "tickets.ticket_custom_fields.list")
def ticket_custom_fields(caller):
    workflow.require(caller.staff)
    return envelope([custom_field(f) for f in custom_fields.all_fields(public_only=False)])


@route("/ticket_custom_fields/<int:field_id>", "GET", "tickets.ticket_custom_fields.get")
def ticket_custom_field(caller, field_id):
    workflow.require(caller.staff)
    for field in custom_fields.all_fields(public_only=False):
        if field.id == field_id:
            return envelope(custom_field(field))
    raise NotFound("No such custom field.")


def _agents():
    query = db.select(Staff)
    if request.args.get("all", "") not in ("1", "true"):
        query = query.where(Staff.active.is_(True))
    return query


@route("/agents", "GET", "agents.agents.list", doc={"items": {"type": "object"}})
def list_agents(caller):
    workflow.require(caller.staff)
    page = paging()
    query = _agents()
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Staff.first_name, Staff.last_name, Staff.id)
                              .offset(page.offset).limit(page.per_page)).scalars()
    return collection([agent(s) for s in rows], page, total)


@route("/agents/counts", "GET", "agents.agents.counts")
def count_agents(caller):
    workflow.require(caller.staff)
    return envelope({"total": db.session.scalar(db.select(db.func.count()).select_from(_agents().subquery()))})


@route("/agents/<int:agent_id>", "GET", "agents.agents.get")
def get_agent(caller, agent_id):
    workflow.require(caller.staff)
    staff = db.session.get(Staff, agent_id)
    if staff is None:
        raise NotFound("No such agent.")
    return envelope(agent(staff))


def _nothing(path: str, tag: str, what: str) -> None:
    """An empty collection, its counts, and 404 for any of its items."""
    def listing(caller):
        return collection([], paging(), 0)

    def counts(caller):
        return envelope({"total": 0})

    def item(caller, item_id):
        raise NotFound(f"No such {what}.")

    for suffix, handler, action in (("", listing, "list"), ("/counts", counts, "counts"),
                                    ("/<int:item_id>", item, "get")):
        handler.__name__ = f"{tag.replace('.', '_')}_{action}"
        route(path + suffix, "GET", f"{tag}.{action}")(handler)


for _path, _tag, _what in (("/ticket_priorities", "tickets.ticket_priorities", "priority"),
                           ("/ticket_products", "tickets.ticket_products", "product"),
                           ("/ticket_workflows", "tickets.ticket_workflows", "workflow"),
                           ("/organizations", "organizations.organizations", "organization")):
    _nothing(_path, _tag, _what)


def label(tag: RequestTag, counts: dict[int, int]) -> dict:
    return {"id": tag.id, "label": tag.name, "title": tag.name, "tickets_count": counts.get(tag.id, 0)}


@route("/labels", "GET", "labels.labels.list", doc={"items": {"type": "object"}})
def list_labels(caller):
    """Every request tag (a ticket's ``labels``), by name, with how many tickets carry it."""
    workflow.require(caller.staff)
    page = paging(default=50)
    total = db.session.scalar(db.select(db.func.count(RequestTag.id)))
    rows = list(db.session.execute(db.select(RequestTag).order_by(RequestTag.name_key, RequestTag.id)
                                   .offset(page.offset).limit(page.per_page)).scalars())
    counts = dict(db.session.execute(
        db.select(request_tag_link.c.tag_id, db.func.count(request_tag_link.c.request_id))
        .where(request_tag_link.c.tag_id.in_([t.id for t in rows])).group_by(request_tag_link.c.tag_id)).all())
    return collection([label(t, counts) for t in rows], page, total)


@route("/labels/counts", "GET", "labels.labels.counts")
def count_labels(caller):
    workflow.require(caller.staff)
    return envelope({"total": db.session.scalar(db.select(db.func.count(RequestTag.id)))})
