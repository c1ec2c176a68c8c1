"""What staff (in the workspace or through the private API) do to a request.

Every change is recorded as a private log line in the request's history. Functions flush, never commit.
Permission: the acting staff member must have the ``requests`` right (raises Forbidden).
"""

from flask_babel import gettext

from .. import mail, settings, unit_of_work
from ..dates import utcnow
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..notifications import services as notifications
from ..text import strip_tags
from ..webhooks import events as webhook_events
from . import assignment
from .models import STATUS_ACTIVE, STATUS_SPAM, Category, FieldValue, Note, Request, Status
from .services import add_log, add_note, reopen


def require(staff, permission: str = "requests") -> None:
    if staff is None or not staff.can(permission):
        raise Forbidden()


def add_staff_note(req: Request, staff, body: str, *, public: bool, is_html: bool = False, uploads=(),
                   notify_customer: bool = True) -> Note:
    """A staff reply (public: the customer sees it and is emailed a link) or a private note."""
    require(staff)
    if not (body or "").strip() and not uploads:
        raise ValidationFailed(("note", gettext("Please write a note.")))
    note = add_note(req, body.strip(), author_id=staff.id, staff=staff, public=public, is_html=is_html,
                     uploads=uploads)
    if public:
        req.last_reply_by = staff.id
        if notify_customer and why_no_reply_mail(req, check_mail_server=False) is None:
            _mail_reply(req, staff, note)
    db.session.flush()
    webhook_events.note_added(req, note)
    notifications.staff_noted(req, note, staff)
    return note


def why_no_reply_mail(req: Request, *, check_mail_server: bool = True) -> str | None:
    """Why a public reply on this request emails nobody, or None when a mail goes to the customer."""
    if not req.email:
        return "the request has no email address"
    if req.status_id == STATUS_SPAM:
        return "the request is marked as spam"
    if check_mail_server and not mail.is_configured():
        return "mail is not set up on this help desk"
    return None


def _mail_reply(req: Request, staff, note: Note) -> None:
    from ..inbound import tokens  # inbound reads requests: a cycle at import time
    from .access_links import mail_links  # access_links imports this module: a cycle at import time

    # The request's address was never confirmed by anyone: the mail names the request by its number and
    # quotes no subject (the sender chose it), only the staff member's own reply. A mail that cannot be sent
    # is written into the history. Its token lets the customer answer by mail (portal.inbound).
    db.session.flush()  # a new request needs its id
    files, left = mailed_attachments(note)
    reply_to = tokens.reply_address(req)
    mail.send_after_commit(req.email, f"[{settings.get('portal_name')}] Reply to your request {req.id} "
                           f"{tokens.subject_tag(req)}", "request_reply", number=req.id, access_key=req.access_key,
                           **mail_links(req), staff_name=staff.first_name, reply_text=_plain(note), left_out=left,
                           attached=[file["filename"] for file in files], attachments=files,
                           headers={"Reply-To": reply_to} if reply_to else None,
                           on_failure=(record_mail_failure, req.id, req.email))


def _plain(note: Note) -> str:
    return strip_tags(note.body) if note.is_html else note.body


def mailed_attachments(note: Note) -> tuple[list[dict], list[str]]:
    """The note's files that go with its mail (in order, while their total stays within
    ``reply_attachments_max_kb``), and the names of those left on the request page."""
    budget, files, left = settings.get("reply_attachments_max_kb") * 1024, [], []
    for attachment in note.attachments:
        if attachment.size <= budget:
            budget -= attachment.size
            files.append({"filename": attachment.filename, "mime_type": attachment.mime_type,
                          "sha256": attachment.sha256})
        else:
            left.append(attachment.filename)
    return files, left


def record_mail_failure(request_id: int, address: str) -> None:
    """A private history line saying a reply's mail did not go out, so staff know the customer was not told.

    Runs after the commit, often in the mail thread: it works in a session of its own and commits it."""
    with unit_of_work.separate("the request that sent the mail is over; this line is written afterwards") as session:
        if session.get(Request, request_id) is None:
            return
        session.add(Note(request_id=request_id, author_id=-1, is_public=False, is_html=False, body="",
                         log=f"The email about this reply to {address} could not be sent: the customer has "
                             "not been told (see the mail log).", created_at=utcnow()))


def _describe(value) -> str:
    if value is None:
        return "nobody"
    return getattr(value, "name", None) or getattr(value, "full_name", None) or str(value)


def update_request(req: Request, staff, *, status_id=None, category_id=..., assigned_to_id=...,
                   urgent=None, is_open=None, tags=None) -> list[str]:
    """Change fields of a request; ``...`` means "leave as is". Returns the log lines written.
    ``tags``: the request's whole list of tags (``RequestTag`` rows from ``requests.tags``), or None.

    Raises Forbidden, ValidationFailed (unknown status, category or staff member).
    """
    require(staff)
    changes: list[str] = []
    old_status, was_open = (req.status.name if req.status else None), req.is_open
    if status_id is not None and status_id != req.status_id:
        status = db.session.get(Status, status_id)
        if status is None:
            raise ValidationFailed(("status", gettext("Unknown status.")))
        changes.append(f'Status changed from "{req.status.name}" to "{status.name}"')
        req.status_id, req.status = status.id, status
        if status.closes and req.is_open:
            is_open = False
    if category_id is not ... and category_id != req.category_id:
        category = db.session.get(Category, category_id) if category_id else None
        if category_id and (category is None or category.deleted):
            raise ValidationFailed(("category", gettext("Unknown category.")))
        changes.append(f'Category changed from "{_describe(req.category)}" to "{_describe(category)}"')
        req.category_id, req.category = (category.id if category else None), category
    if assigned_to_id is not ... and assigned_to_id != req.assigned_to_id:
        person = assignment.assignee(assigned_to_id)
        changes.append(f'Assigned from "{_describe(req.assigned_to)}" to "{_describe(person)}"')
        req.assigned_to_id, req.assigned_to = (person.id if person else None), person
        notifications.assigned(req, person, staff)
    if urgent is not None and bool(urgent) != req.urgent:
        req.urgent = bool(urgent)
        changes.append("Marked urgent" if req.urgent else "No longer urgent")
    if tags is not None and {t.id for t in tags} != {t.id for t in req.tags}:
        before = ", ".join(t.name for t in req.tags) or "none"
        req.tags = sorted(tags, key=lambda t: t.name_key)
        changes.append(f'Tags changed from "{before}" to "{", ".join(t.name for t in req.tags) or "none"}"')
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
    if any(line.startswith("Status changed") for line in changes):
        webhook_events.status_changed(req, old_status)
    if was_open and not req.is_open:
        webhook_events.request_closed(req)
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


def set_custom_fields(req: Request, staff, raw_values: dict[int, str]) -> list[str]:
    """Change some of a request's custom field values (field id -> raw text, "" to clear), checked by the
    rules of the request's category exactly as on the portal form (``fields.validate``): a required field
    cannot be cleared, and a field the category does not use cannot be set. Returns the log lines written.

    Raises Forbidden, ValidationFailed (``Custom<id>`` fields).
    """
    from . import fields as custom_fields

    require(staff)
    used = {f.id: f for f in custom_fields.applicable_fields(req.category, public_only=False)}
    unknown = [(f"Custom{field_id}", "This field is not used in the request's category.")
               for field_id in raw_values if field_id not in used]
    current = {v.field_id: v for v in req.field_values}
    merged = {field_id: (v.value or "") for field_id, v in current.items()} | raw_values
    values, errors = custom_fields.validate(req.category, merged, public_only=False)
    errors = unknown + [(name, reason) for name, reason in errors if int(name[len("Custom"):]) in raw_values]
    if errors:
        raise ValidationFailed(errors)
    changes = []
    for field_id in raw_values:
        row, value = current.get(field_id), values[field_id]
        if (row.value if row else None) == value:
            continue
        changes.append(f'{used[field_id].name} changed from "{row.value if row and row.value else "nothing"}" to '
                       f'"{value if value is not None else "nothing"}"')
        if value is None and row is not None:
            req.field_values.remove(row)
        elif row is not None:
            row.value = value
        elif value is not None:
            req.field_values.append(FieldValue(field_id=field_id, value=value))
    for line in changes:
        add_log(req, line, staff)
    if changes:
        req.updated_at = utcnow()
    db.session.flush()
    return changes
