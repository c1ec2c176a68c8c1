"""What staff (in the workspace or through the private API) do to a request.

Every change is recorded as a private log line in the request's history. Functions flush, never commit.
Permission: the acting staff member must have the ``requests`` right (raises Forbidden).
"""
from ..dates import utcnow
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from .. import mail, settings
from .models import STATUS_ACTIVE, STATUS_SPAM, Category, Note, Request, Status
from .services import _add_note, add_log, reopen


def require(staff, permission: str = "requests") -> None:
    if staff is None or not staff.can(permission):
        raise Forbidden()


def add_staff_note(req: Request, staff, body: str, *, public: bool, is_html: bool = False, uploads=(),
                   notify_customer: bool = True) -> Note:
    """A staff reply (public: the customer sees it and is emailed a link) or a private note."""
    from .access_links import mail_links  # (it builds on this module)

    require(staff)
    if not (body or "").strip() and not uploads:
        raise ValidationFailed(("note", "Please write a note."))
    note = _add_note(req, body.strip(), author_id=staff.id, staff=staff, public=public, is_html=is_html,
                     uploads=uploads)
    if public:
        req.last_reply_by = staff.id
        if notify_customer and req.email and req.status_id != STATUS_SPAM:
            mail.send_after_commit(req.email, f"[{settings.get('portal_name')}] Re: {req.subject}",
                                   "request_reply", subject=req.subject, access_key=req.access_key,
                                   **mail_links(req), staff_name=staff.first_name)
    db.session.flush()
    return note


def _describe(value) -> str:
    if value is None:
        return "nobody"
    return getattr(value, "name", None) or getattr(value, "full_name", None) or str(value)


def update_request(req: Request, staff, *, status_id=None, category_id=..., assigned_to_id=...,
                   urgent=None, is_open=None) -> list[str]:
    """Change fields of a request; ``...`` means "leave as is". Returns the log lines written.

    Raises Forbidden, ValidationFailed (unknown status, category or staff member).
    """
    from ..accounts.models import Staff

    require(staff)
    changes: list[str] = []
    if status_id is not None and status_id != req.status_id:
        status = db.session.get(Status, status_id)
        if status is None:
            raise ValidationFailed(("status", "Unknown status."))
        changes.append(f'Status changed from "{req.status.name}" to "{status.name}"')
        req.status_id, req.status = status.id, status
        if status.closes and req.is_open:
            is_open = False
    if category_id is not ... and category_id != req.category_id:
        category = db.session.get(Category, category_id) if category_id else None
        if category_id and (category is None or category.deleted):
            raise ValidationFailed(("category", "Unknown category."))
        changes.append(f'Category changed from "{_describe(req.category)}" to "{_describe(category)}"')
        req.category_id, req.category = (category.id if category else None), category
    if assigned_to_id is not ... and assigned_to_id != req.assigned_to_id:
        person = db.session.get(Staff, assigned_to_id) if assigned_to_id else None
        if assigned_to_id and (person is None or not person.active):
            raise ValidationFailed(("assigned_to", "Unknown staff member."))
        changes.append(f'Assigned from "{_describe(req.assigned_to)}" to "{_describe(person)}"')
        req.assigned_to_id, req.assigned_to = (person.id if person else None), person
    if urgent is not None and bool(urgent) != req.urgent:
        req.urgent = bool(urgent)
        changes.append("Marked urgent" if req.urgent else "No longer urgent")
    if is_open is not None and bool(is_open) != req.is_open:
        if is_open:
            reopen(req, staff)
        else:
            req.is_open, req.closed_at = False, utcnow()
            changes.append("Request closed")
    for line in changes:
        add_log(req, line, staff)
    req.updated_at = utcnow()
    db.session.flush()
    return changes


def close(req: Request, staff) -> None:
    update_request(req, staff, is_open=False)


def trash(req: Request, staff) -> None:
    require(staff)
    if not req.trashed:
        req.trashed, req.trashed_at = True, utcnow()
        add_log(req, "Moved to trash", staff)
        db.session.flush()


def restore(req: Request, staff) -> None:
    require(staff)
    if req.trashed:
        req.trashed, req.trashed_at = False, None
        add_log(req, "Restored from trash", staff)
        db.session.flush()


def mark_spam(req: Request, staff) -> None:
    """Spam: status Spam, closed, unassigned."""
    require(staff)
    if req.status_id != STATUS_SPAM:
        update_request(req, staff, status_id=STATUS_SPAM, assigned_to_id=None, is_open=False)


def not_spam(req: Request, staff) -> None:
    require(staff)
    if req.status_id == STATUS_SPAM:
        update_request(req, staff, status_id=STATUS_ACTIVE, is_open=True)
