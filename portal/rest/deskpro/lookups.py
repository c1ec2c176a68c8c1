"""Reference lists clients read to fill their forms: ``ticket_statuses`` and ``ticket_departments``."""
from ...extensions import db
from ...requests import workflow
from ...requests.models import Category, Status
from .dialect import envelope, route

STATUS_CODES = [("awaiting_agent", "Awaiting Agent", "active"), ("awaiting_user", "Awaiting User", "active"),
                ("resolved", "Resolved", "resolved"), ("hidden.spam", "Spam", "hidden"),
                ("hidden.deleted", "Deleted", "hidden")]


@route("/ticket_statuses", "GET", "tickets.ticket_statuses.list")
def ticket_statuses(caller):
    """DeskPRO's status codes, then Portico's own statuses (settable on a ticket by their id)."""
    workflow.require(caller.staff)
    rows = [{"status_code": code, "title": title, "status_type": kind} for code, title, kind in STATUS_CODES]
    for status in db.session.execute(db.select(Status).order_by(Status.position, Status.id)).scalars():
        rows.append({"id": status.id, "status_code": str(status.id), "title": status.name,
                     "status_type": "resolved" if status.closes else "active"})
    return envelope(rows)


@route("/ticket_departments", "GET", "tickets.ticket_departments.list")
def ticket_departments(caller):
    """Request categories that are not deleted, by name."""
    workflow.require(caller.staff)
    categories = db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                                    .order_by(Category.name, Category.id)).scalars()
    return envelope([{"id": c.id, "title": c.name, "parent": None, "is_tickets_enabled": True,
                      "user_title": c.name, "display_order": 0, "is_public": c.public_submit}
                     for c in categories])

