"""``tickets/`` and ``ticket/<id>/``: Portico's requests, through the same services as the staff pages, the
portal form and the other APIs (``requests.services``, ``requests.workflow``, ``requests.queue``).

- ``display_id`` is ``#TK`` and the id in eight digits; ``priority`` is Portico's urgent flag; ``status`` is
  the request's status, its ``behavior`` ``completed`` once the request is closed.
- ``updates``: the request's history oldest first: public replies and private notes (``message_type`` "p")
  with their attachments, and the log lines of status, category and assignee changes.
- Custom fields are ``t-cf-<id>`` on writes; the category's rules apply as on the portal form.
- A trashed (deleted) request answers 404. Every write answers the whole ticket (``delete/`` answers
  ``{"deleted_ticket": "#TK..."}``).
"""
import re
from datetime import datetime

from flask import request
from sqlalchemy.orm import selectinload

from ...accounts import contacts
from ...accounts.models import Customer, Staff
from ...errors import Forbidden, NotFound, ValidationFailed, describe
from ...extensions import db
from ...requests import categories as request_categories
from ...requests import queue, services, workflow
from ...requests import tags as request_tags
from ...requests.models import AUTHOR_CUSTOMER, STATUS_SPAM, VIA_WEB_SERVICE, Note, Request, Status
from ...text import plain_to_html, strip_tags
from ...urls import external_url
from ..body import Input, InvalidInput, from_service
from . import ticket_search
from .dialect import TIMESTAMP as TIMESTAMP_FORMAT
from .dialect import body_values, field_errors, listish, no_files, paged, route, timestamp, uploads, whole_number
from .lookups import NORMAL, TYPES, URGENT, category, priority, staff_brief, status

ATTACHMENT_ENDPOINT = "staff.attachment"  # staff sign in to download, as from the staff request page
MAX_MESSAGE = 10_000_000  # the note's own limit (portal.limits) is checked by the service
MAX_SIZE, DEFAULT_SIZE = 50, 10
MAX_BULK = 100  # the hfox CLI's own cap
CUSTOM = re.compile(r"^t-cf-(\d{1,10})$")
CHANGES = {"Status": "status_change", "Category": "category_change", "Assigned": "assignee_change"}
CHANGE_LINE = re.compile(r'^(Status|Category) changed from "(.*)" to "(.*)"$|^(Assigned) from "(.*)" to "(.*)"$',
                         re.S)
# Service field names -> this API's.
FIELD_NAMES = {"note": "text", "update": "text", "title": "subject", "first_name": "name", "last_name": "name",
               "category": "category", "assigned_to": "assignee", "status": "status", "phone": "phone"}


def display_id(req: Request) -> str:
    return f"#TK{req.id:08d}"


def _names(exc: ValidationFailed) -> InvalidInput:
    names = dict(FIELD_NAMES)
    names.update({field: f"t-cf-{field[len('Custom'):]}" for field, _ in exc.errors if field.startswith("Custom")})
    return from_service(exc, names)


# --- rendering ---------------------------------------------------------------------------------

def _customer(req: Request, contact: Customer | None) -> dict:
    """The ticket's ``user``: its contact (name and phones kept on the contact) or, without one, the request's
    own name and phone."""
    phones = [{"id": p.id, "type": p.kind, "number": p.number, "is_primary": p.is_primary}
              for p in contact.phones] if contact is not None else []
    if req.phone and req.phone not in {p["number"] for p in phones}:
        phones.append({"type": "o", "number": req.phone, "is_primary": not phones})
    name = (contact.full_name if contact is not None else "") or req.full_name.strip() or req.email
    return {"id": contact.id if contact is not None else None, "name": name, "email": req.email or None,
            "phones": phones, "type": "user"}


def _notes(request_ids: list[int]) -> dict[int, list[Note]]:
    found: dict[int, list[Note]] = {i: [] for i in request_ids}
    for note in db.session.execute(db.select(Note).where(Note.request_id.in_(request_ids))
                                   .options(selectinload(Note.attachments), selectinload(Note.staff))
                                   .order_by(Note.request_id, Note.created_at, Note.id)).scalars():
        found[note.request_id].append(note)
    return found


def _contacts(emails) -> dict[str, Customer]:
    emails = {e for e in emails if e}
    if not emails:
        return {}
    return {c.email: c for c in db.session.execute(db.select(Customer).where(Customer.email.in_(emails))
                                                   .options(selectinload(Customer.phones))).scalars()}


LISTING_OPTIONS = (selectinload(Request.tags), selectinload(Request.field_values), selectinload(Request.category),
                   selectinload(Request.assigned_to))


def tickets(rows: list[Request], *, minify: bool = False) -> list[dict]:
    """Many tickets in a fixed number of statements (load ``rows`` with ``LISTING_OPTIONS``)."""
    notes = _notes([r.id for r in rows])
    found = _contacts(r.email for r in rows)
    return [ticket(r, minify=minify, notes=notes[r.id], contact=found.get(r.email)) for r in rows]


def _message(note: Note) -> dict:
    html = note.body if note.is_html else plain_to_html(note.body)
    return {"text": strip_tags(note.body) if note.is_html else note.body, "html": html,
            "message_type": "" if note.is_public else "p",
            "attachments": [{"id": a.id, "filename": a.filename, "size": a.size,
                             "url": external_url(ATTACHMENT_ENDPOINT, attachment_id=a.id)}
                            for a in note.attachments]}


def _update(note: Note, user: dict) -> dict:
    who = staff_brief(note.staff) if note.staff_id else (user if note.author_id == AUTHOR_CUSTOMER else None)
    update = {"update_id": note.id, "timestamp": timestamp(note.created_at), "by": who, "message": None,
              "status_change": None, "priority_change": None, "assignee_change": None, "category_change": None}
    if not note.log:
        update["message"] = _message(note)
    elif match := CHANGE_LINE.match(note.log):
        kind, old, new = match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
        update[CHANGES[kind]] = {"old": old, "new": new}
    else:
        update["log"] = note.log
    return update


def ticket(req: Request, *, minify: bool = False, notes: list[Note] | None = None, contact=...) -> dict:
    if notes is None:
        notes = _notes([req.id])[req.id]
    if contact is ...:
        contact = _contacts([req.email]).get(req.email)
    user = _customer(req, contact)
    messages = [n for n in notes if not n.log]
    first = next((n for n in messages if n.is_initial), messages[0] if messages else None)
    staff_replies = [n.created_at for n in messages if n.staff_id and n.is_public]
    user_replies = [n.created_at for n in messages if n.author_id == AUTHOR_CUSTOMER and not n.staff_id]
    data = {
        "id": req.id, "display_id": display_id(req), "subject": req.title,
        "first_message": (strip_tags(first.body) if first.is_html else first.body) if first else "",
        "messages_count": len(messages), "attachments_count": sum(len(n.attachments) for n in messages),
        "status": status(req.status, is_open=req.is_open), "priority": priority(req.urgent),
        "category": category(req.category), "user": user, "assigned_to": staff_brief(req.assigned_to),
        "tags": ",".join(request_tags.names(req)), "due_date": None, "unresponded": not staff_replies,
        "custom_fields": [{"id": v.field_id, "name": v.field.name, "value": v.value,
                           "type": TYPES.get(v.field.field_type, "text")} for v in req.field_values],
        "created_at": timestamp(req.opened_at), "last_modified": timestamp(req.updated_at),
        "last_user_reply_at": timestamp(max(user_replies)) if user_replies else None,
        "last_staff_reply_at": timestamp(max(staff_replies)) if staff_replies else None,
    }
    if not minify:
        data["updates"] = [_update(n, user) for n in notes]
    return data


# --- reading -----------------------------------------------------------------------------------

def _get(caller, ticket_id: int) -> Request:
    req = queue.get_request(caller.staff, ticket_id)
    if req.trashed:
        raise NotFound("No such ticket.")
    return req


@route("/tickets/", "GET", "tickets.list")
def list_tickets(caller) -> dict:
    workflow.require(caller.staff)
    problems: list = []
    page = whole_number("page", 1, 1_000_000, problems)
    size = whole_number("size", DEFAULT_SIZE, MAX_SIZE, problems)
    query, more = ticket_search.listing()
    query = query.where(request_categories.visible_condition(caller.staff))
    if problems + more:
        raise InvalidInput(problems + more)
    minify = request.args.get("minify_response", "") in ("1", "true")
    return paged(query.options(*LISTING_OPTIONS), page, size, lambda rows: tickets(rows, minify=minify))


@route("/ticket/<int:ticket_id>/", "GET", "tickets.get")
def get_ticket(caller, ticket_id):
    return ticket(_get(caller, ticket_id))


# --- writing -----------------------------------------------------------------------------------

def _text_and_html(body: Input, *names: str) -> tuple[str, bool]:
    """The message from ``html`` or one of ``names`` (plain text); (text, is_html)."""
    html = body.text("html", max_length=MAX_MESSAGE)
    plain = ""
    for name in names:
        plain = plain or body.text(name, max_length=MAX_MESSAGE)
    return (html, True) if html.strip() else (plain, False)


def _custom(body: Input) -> dict[int, str]:
    values: dict[int, str] = {}
    for name in list(body.values):
        match = CUSTOM.match(str(name))
        if match:
            value = body.raw(name)
            if isinstance(value, (dict, list)):
                body.problem(name, "invalid_type", "This value should be a string or a number.")
            else:
                values[int(match.group(1))] = "" if value is None else str(value)
    return values


def _priority(body: Input) -> bool | None:
    value = body.integer("priority", low=NORMAL, high=URGENT)
    return None if value is None else value == URGENT


def _not_supported(body: Input, *names: str) -> None:
    """Fields Portico has nowhere to keep: refused when given a value, never silently dropped."""
    for name in names:
        if body.raw(name) not in (None, "", [], False):
            body.problem(name, "not_supported", f"This help desk does not store {name} on tickets yet.")


def tag_names(body: Input, name: str) -> list[str] | None:
    """Tag names sent as ``"a,b"`` or a list of strings; None when not sent."""
    value = listish(body.raw(name))
    if value is None:
        return None
    if isinstance(value, str):
        return request_tags.split(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    body.problem(name, "invalid_type", "Send tags as comma-separated names or a list of names.")
    return None


def _no_custom_changes(body: Input) -> None:
    for name in list(body.values):
        if str(name).startswith(("c-cf-", "ccf-")):
            body.raw(name)
            body.problem(name, "not_supported", "This help desk keeps no contact custom fields.")


def _created_at(body: Input):
    """An import's original creation time (``YYYY-MM-DD HH:MM:SS`` or ``YYYY-MM-DD``, UTC), or None."""
    raw = body.text("created_at", max_length=40).strip()
    if not raw:
        return None
    for form in (TIMESTAMP_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, form)
        except ValueError:
            continue
    body.problem("created_at", "invalid", "Use YYYY-MM-DD HH:MM:SS (UTC).")
    return None


def _acting_staff(caller, body: Input) -> Staff:
    """The staff member a write acts as: the key's own, or (``staff``, for administrators' keys) another
    active staff member with the requests right."""
    staff_id = body.integer("staff") if body.has("staff") else body.integer("staff_id")
    if staff_id is None or staff_id == caller.staff.id:
        return caller.staff
    if not caller.staff.can("admin"):
        raise Forbidden("This API key acts as its own staff member only.")
    other = db.session.get(Staff, staff_id)
    if other is None or not other.can("requests"):
        body.problem("staff", "invalid", "There is no active staff member with this id who handles tickets.")
        return caller.staff
    return other


def _status(body: Input) -> Status | None:
    status_id = body.integer("status")
    if status_id is None:
        return None
    row = db.session.get(Status, status_id)
    if row is None:
        body.problem("status", "invalid_choice", "Unknown status.")
    return row


def _apply_status(req: Request, staff, row: Status | None) -> None:
    if row is None:
        return
    if row.id == STATUS_SPAM:
        workflow.mark_spam(req, staff)
    else:
        workflow.update_request(req, staff, status_id=row.id, is_open=not row.closes)


def _create_one(caller, values, files) -> Request:
    if not isinstance(values, dict):
        raise InvalidInput([("", "invalid_type", "Each ticket should be an object.")])
    body = Input(values)
    subject = body.text("subject", required=True)
    text, is_html = _text_and_html(body, "text", "plaintext")
    if not text.strip():
        body.problem("text", "required", "This field is required.")
    category_id = body.integer("category", required=True)
    email = body.text("email", max_length=100)
    name = body.text("name", max_length=81)
    client = body.integer("client") if body.has("client") else body.integer("user")
    if client is not None:
        customer = db.session.get(Customer, client)
        if customer is None:
            body.problem("client", "not_found", "There is no contact with this id.")
        else:
            email = email or customer.email
    if not email and client is None:
        body.problem("email", "required", "This field is required.")
    phone = body.text("phone", max_length=40)
    urgent = _priority(body)
    assignee = body.integer("assignee")
    status_row = _status(body)
    custom = _custom(body)
    opened = _created_at(body)
    private = body.boolean("visible_only_staff")
    tags = tag_names(body, "tags")
    _not_supported(body, "cc", "bcc", "due_date")
    for name_ in list(body.values):
        if str(name_).startswith("c-cf-"):
            body.raw(name_)
            body.problem(name_, "not_supported", "Contact custom fields are not stored yet.")
    body.done()
    first, _, last = name.strip().partition(" ")
    data = services.RequestInput(note=text, title=subject, urgent=bool(urgent), category_id=category_id,
                                 custom=custom, note_is_html=is_html, opened_via=VIA_WEB_SERVICE,
                                 email=email, first_name=first, last_name=last, phone=phone)
    try:
        req = services.create_request(data, files, public_only=False, check_spam=False,
                                      assigned_to_id=assignee, notify_customer=False, note_public=not private)
        _apply_status(req, caller.staff, status_row)
        if tags:
            workflow.update_request(req, caller.staff, tags=request_tags.named(tags))
    except ValidationFailed as exc:
        raise _names(exc) from None
    req.opened_by_id = caller.staff.id
    if opened is not None:  # an import keeps the original time, as the HelpSpot API's dtGMTOpened
        req.opened_at = opened
    contact = contacts.for_request(req)
    if contact is not None and not contact.full_name and name.strip():  # as HappyFox names a new contact
        try:
            contacts.save_contact(None, customer=contact, name=name)
        except ValidationFailed:
            pass  # a name too long for the contact: the ticket keeps it, the contact stays unnamed
    db.session.flush()
    return req


@route("/tickets/", "POST", "tickets.create")
def create_tickets(caller):
    """One ticket (the whole ticket answered), or a JSON list of them in bulk: each in its own savepoint,
    answered ``{success, id, display_id}`` or ``{success: false, error}`` in order."""
    workflow.require(caller.staff)
    values = body_values()
    if not isinstance(values, list):
        return ticket(_create_one(caller, values, uploads()))
    if len(values) > MAX_BULK:
        raise InvalidInput([("", "too_many", f"Send at most {MAX_BULK} tickets at once.")])
    results = []
    for item in values:
        try:
            with db.session.begin_nested():  # a failing ticket leaves nothing behind
                req = _create_one(caller, item, [])
            results.append({"success": True, "id": req.id, "display_id": display_id(req)})
        except (ValidationFailed, NotFound, Forbidden) as exc:
            error = exc.problems if isinstance(exc, InvalidInput) else \
                [(f, "invalid", m) for f, m in exc.errors] if isinstance(exc, ValidationFailed) else None
            results.append({"success": False,
                            "error": field_errors(error) if error is not None else describe(exc).message})
    return results


@route("/new_ticket/", "POST", "tickets.create")
def new_ticket(caller):
    """The older clients' way to open one ticket (multipart, or any body ``tickets/`` takes)."""
    workflow.require(caller.staff)
    values = body_values()
    if isinstance(values, list):
        raise InvalidInput([("", "invalid_type", "Send one ticket.")])
    return ticket(_create_one(caller, values, uploads()))


def _dict_body() -> Input:
    values = body_values()
    if not isinstance(values, dict):
        raise InvalidInput([("", "invalid_type", "The body must be an object.")])
    return Input(values)


def _staff_write(caller, ticket_id: int, *, public: bool):
    """A staff reply (public: mailed to the customer as from the staff page) or private note, and/or changes
    of status, priority, assignee and category; a reply with nothing to say and nothing to change is 400."""
    req = _get(caller, ticket_id)
    body = _dict_body()
    staff = _acting_staff(caller, body)
    text, is_html = _text_and_html(body, "plaintext", "text", "message")
    urgent = _priority(body)
    status_row = _status(body)
    assignee = body.integer("assignee")
    category_id = body.integer("category")
    tags = tag_names(body, "tags")
    _not_supported(body, "cc", "bcc", "due_date", "time_spent", "subject", "alert", "parent_update")
    custom = _custom(body)
    _no_custom_changes(body)
    files = uploads()
    body.allow("update_customer", "send_survey", "last_staff_message", "alert_staff")
    changes = urgent is not None or status_row is not None or body.has("assignee") or body.has("category") \
        or tags is not None or bool(custom)
    if not (text.strip() or files or changes):
        body.problem("text" if not public else "plaintext", "required", "Write a message or change something.")
    body.done()
    try:
        workflow.update_request(req, staff, urgent=urgent,
                                category_id=(category_id or None) if body.has("category") else ...,
                                assigned_to_id=(assignee or None) if body.has("assignee") else ...,
                                tags=request_tags.named(tags) if tags is not None else None)
        _apply_status(req, staff, status_row)
        if custom:
            workflow.set_custom_fields(req, staff, custom)
        if text.strip() or files:
            workflow.add_staff_note(req, staff, text, public=public, is_html=is_html, uploads=files)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return ticket(req)


@route("/ticket/<int:ticket_id>/staff_update/", "POST", "tickets.staff_update")
def staff_update(caller, ticket_id):
    return _staff_write(caller, ticket_id, public=True)


@route("/ticket/<int:ticket_id>/staff_pvtnote/", "POST", "tickets.staff_pvtnote")
def staff_private_note(caller, ticket_id):
    return _staff_write(caller, ticket_id, public=False)


@route("/ticket/<int:ticket_id>/move/", "POST", "tickets.move")
def move_ticket(caller, ticket_id):
    """To another category (``target_category_id``), optionally to a new assignee (``assign_to``) and with a
    private note (``move_note``)."""
    req = _get(caller, ticket_id)
    no_files()
    body = _dict_body()
    staff = _acting_staff(caller, body)
    target = body.integer("target_category_id", required=True)
    assignee = body.integer("assign_to")
    note = body.text("move_note", max_length=MAX_MESSAGE)
    body.done()
    try:
        workflow.update_request(req, staff, category_id=target,
                                assigned_to_id=(assignee or None) if body.has("assign_to") else ...)
        if note.strip():
            workflow.add_staff_note(req, staff, note, public=False)
    except ValidationFailed as exc:
        raise from_service(exc, {"category": "target_category_id", "assigned_to": "assign_to",
                                 "note": "move_note"}) from None
    return ticket(req)


@route("/ticket/<int:ticket_id>/user_reply/", "POST", "tickets.user_reply")
def user_reply(caller, ticket_id):
    """A reply written as the ticket's customer (``user``, or the older ``client``: the contact's id or
    email), as the customer's own update from the portal."""
    req = _get(caller, ticket_id)
    workflow.require(caller.staff)
    body = _dict_body()
    who = body.raw("user") if body.has("user") else body.raw("client")
    body.allow("user", "client")
    text, is_html = _text_and_html(body, "text", "plaintext", "message")
    files = uploads()
    body.allow("cc", "bcc")
    customer_id = db.session.scalar(db.select(Customer.id).where(Customer.email == req.email)) if req.email else None
    if who is None or isinstance(who, (bool, dict, list)):
        body.problem("user", "required", "This field is required.")
    elif not (str(who).strip() == str(customer_id) or (req.email and str(who).strip().lower() == req.email)):
        body.problem("user", "invalid", "A reply is written by the ticket's own contact.")
    body.done()
    try:
        services.add_customer_update(req, strip_tags(text) if is_html else text, files)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return ticket(req)


@route("/ticket/<int:ticket_id>/delete/", "POST", "tickets.delete")
def delete_ticket(caller, ticket_id):
    req = _get(caller, ticket_id)
    no_files()
    body = _dict_body()
    staff = _acting_staff(caller, body)
    body.done()
    workflow.trash(req, staff)
    return {"deleted_ticket": display_id(req)}
