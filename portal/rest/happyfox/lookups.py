"""The reference lists, as bare JSON lists (clients check ``isinstance(..., list)`` to validate a login).

- ``staff/``: staff members (active ones; ``?all=1`` adds deactivated accounts); their role and rights.
- ``categories/``: Portico's request categories that are not deleted.
- ``statuses/``: Portico's statuses; ``behavior`` is ``completed`` for one that closes a request.
- ``priorities/``: Portico's urgent flag, as ``normal`` (1, the default) and ``urgent`` (2).
- ``ticket_custom_fields/``: the request custom fields, with the categories that use them.
"""
from flask import request

from ...accounts.models import PERMISSIONS, ROLES, Staff
from ...extensions import db
from ...requests import fields as custom_fields
from ...requests import workflow
from ...requests.models import STATUS_ACTIVE, Category, CategoryField, Status
from .dialect import route

PRIORITIES = [{"id": 1, "name": "Normal", "order": 1, "default": True, "urgent": False},
              {"id": 2, "name": "Urgent", "order": 2, "default": False, "urgent": True}]
NORMAL, URGENT = 1, 2
TYPES = {"select": "dropdown", "text": "text", "lrgtext": "multiple_line_text", "checkbox": "checkbox",
         "numtext": "number", "decimal": "decimal", "regex": "text", "date": "date", "datetime": "date"}
COLORS = {True: "#3d9b35", False: "#e8873a"}


def staff_member(staff: Staff) -> dict:
    return {"id": staff.id, "name": staff.full_name, "email": staff.email, "active": staff.active,
            "is_account_admin": staff.can("admin"),
            "role": {"id": ROLES.index(staff.role) + 1 if staff.role in ROLES else 0, "name": staff.role},
            "categories": [], "permissions": sorted(PERMISSIONS.get(staff.role, set()))}


def staff_brief(staff: Staff | None) -> dict | None:
    if staff is None:
        return None
    return {"id": staff.id, "name": staff.full_name, "email": staff.email, "type": "staff"}


def category(row: Category | None) -> dict | None:
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "description": row.group, "public": row.public_submit}


def status(row: Status, *, is_open: bool | None = None) -> dict:
    completed = row.closes if is_open is None else not is_open
    return {"id": row.id, "name": row.name, "color": COLORS[completed], "order": row.position,
            "default": row.id == STATUS_ACTIVE, "behavior": "completed" if completed else "pending"}


def priority(urgent: bool) -> dict:
    row = PRIORITIES[1 if urgent else 0]
    return {name: row[name] for name in ("id", "name", "order", "default")}


@route("/staff/", "GET", "staff.list")
def list_staff(caller):
    workflow.require(caller.staff)
    query = db.select(Staff)
    if request.args.get("all", "") not in ("1", "true"):
        query = query.where(Staff.active.is_(True))
    return [staff_member(s) for s in db.session.execute(
        query.order_by(Staff.first_name, Staff.last_name, Staff.id)).scalars()]


@route("/categories/", "GET", "categories.list")
def list_categories(caller):
    workflow.require(caller.staff)
    rows = db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                              .order_by(Category.name, Category.id)).scalars()
    return [category(c) for c in rows]


@route("/statuses/", "GET", "statuses.list")
def list_statuses(caller):
    workflow.require(caller.staff)
    rows = db.session.execute(db.select(Status).where(Status.active.is_(True))
                              .order_by(Status.position, Status.id)).scalars()
    return [status(s) for s in rows]


@route("/priorities/", "GET", "priorities.list")
def list_priorities(caller):
    workflow.require(caller.staff)
    return [priority(False), priority(True)]


def custom_field(field, categories: list[int]) -> dict:
    choices = field.list_items if field.field_type == "select" else []
    return {"id": field.id, "name": field.name, "type": TYPES.get(field.field_type, "text"),
            "required": field.required, "visible_to_user": field.public, "all_categories": field.always_visible,
            "categories": categories, "order": field.position,
            "choices": [{"id": number, "value": item} for number, item in enumerate(choices, 1)]}


@route("/ticket_custom_fields/", "GET", "ticket_custom_fields.list")
def list_ticket_custom_fields(caller) -> list[dict]:
    workflow.require(caller.staff)
    used: dict[int, list[int]] = {}
    for field_id, category_id in db.session.execute(
            db.select(CategoryField.field_id, CategoryField.category_id).join(Category)
            .where(Category.deleted.is_(False)).order_by(CategoryField.category_id)):
        used.setdefault(field_id, []).append(category_id)
    return [custom_field(f, used.get(f.id, [])) for f in custom_fields.all_fields(public_only=False)]
