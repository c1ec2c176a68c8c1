"""What the staff request page shows beside the request itself, read as plain rows of the columns it shows:
the history with its authors and attachments, the time logged, the customer's contact card, the custom
field values and the tags.

Why rows: building Note, Attachment, TimeEvent and Customer objects and loading their relationships (the
attachments, the authors, the phones, then the time total in a statement of its own) cost about a fifth of
the page. These are staff reads (``require``); the rules of what staff may see stay in ``services.history``
(everything, for the ``requests`` right) and ``contacts.for_request`` (the customer with the request's email).
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam

from ..accounts.models import Customer, CustomerPhone, Staff
from ..database import prepared, rows
from ..extensions import db
from .models import Attachment, CustomField, FieldValue, Note, Request, RequestTag, request_tag_link
from .queue import Person
from .workflow import require
from .workspace_models import TimeEvent


@dataclass(slots=True)
class AttachmentRow:
    id: int
    filename: str
    size: int


@dataclass(slots=True)
class NoteRow:
    """A history row as the page shows it, named as Note names its columns."""

    id: int
    author_id: int
    created_at: datetime
    is_public: bool
    is_initial: bool
    is_html: bool
    merged_from: int
    pinned: bool
    log: str
    body: str
    staff: Person | None  # None: the customer or the system wrote it
    attachments: list[AttachmentRow] = field(default_factory=list)

    is_log = Note.is_log  # the note's own rule (a log line has no body), not a copy


def history(staff, req: Request) -> list[NoteRow]:
    """Every note, private note and log line of the request (``services.history`` for staff), pinned first
    then newest first, with its author's name and its attachments: one statement. Raises Forbidden."""
    require(staff)
    notes: dict[int, NoteRow] = {}
    for (note_id, author_id, created_at, is_public, is_initial, is_html, merged_from, pinned, log, body, first, last,
         email, attachment_id, filename, size) in rows(_history(), request_id=req.id):
        note = notes.get(note_id)
        if note is None:
            note = notes[note_id] = NoteRow(note_id, author_id, created_at, is_public, is_initial, is_html,
                                            merged_from, pinned, log, body,
                                            Person(first, last, email) if email is not None else None)
        if attachment_id is not None:
            note.attachments.append(AttachmentRow(attachment_id, filename, size))
    return list(notes.values())


@prepared
def _history():
    return (db.select(Note.id, Note.author_id, Note.created_at, Note.is_public, Note.is_initial, Note.is_html,
                      Note.merged_from, Note.pinned, Note.log, Note.body, Staff.first_name, Staff.last_name,
                      Staff.email, Attachment.id, Attachment.filename, Attachment.size)
            .outerjoin(Staff, Staff.id == Note.staff_id).outerjoin(Attachment, Attachment.note_id == Note.id)
            .where(Note.request_id == bindparam("request_id"))
            .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc(), Attachment.id))


@dataclass(slots=True)
class TimeRow:
    id: int
    staff_id: int | None
    seconds: int
    work_date: date
    description: str
    billable: bool
    staff: Person | None


def time_log(staff, req: Request) -> tuple[list[TimeRow], int]:
    """The request's time events, oldest work first, with who logged them (``timelog.time_events``), and
    their total in seconds (``timelog.total_seconds``): one statement. Raises Forbidden."""
    require(staff)
    events = [TimeRow(event_id, staff_id, seconds, work_date, description, billable,
                      Person(first, last, email) if email is not None else None)
              for event_id, staff_id, seconds, work_date, description, billable, first, last, email
              in rows(_time_log(), request_id=req.id)]
    return events, sum(event.seconds for event in events)


@prepared
def _time_log():
    return (db.select(TimeEvent.id, TimeEvent.staff_id, TimeEvent.seconds, TimeEvent.work_date,
                      TimeEvent.description, TimeEvent.billable, Staff.first_name, Staff.last_name, Staff.email)
            .outerjoin(Staff, Staff.id == TimeEvent.staff_id).where(TimeEvent.request_id == bindparam("request_id"))
            .order_by(TimeEvent.work_date, TimeEvent.id))


@dataclass(slots=True)
class PhoneRow:
    kind: str
    number: str
    is_primary: bool

    kind_name = CustomerPhone.kind_name  # the phone's own rule for naming its kind


@dataclass(slots=True)
class ContactRow:
    first_name: str
    last_name: str
    phones: list[PhoneRow]

    full_name = Customer.full_name


def contact(staff, req: Request) -> ContactRow | None:
    """The contact card of the customer whose email opened the request (``contacts.for_request``), with
    their phones in order: one statement. None when there is no such customer. Raises Forbidden."""
    require(staff)
    if not req.email:
        return None
    found = rows(_contact(), email=req.email)
    if not found:
        return None
    first, last = found[0][0], found[0][1]
    return ContactRow(first, last, [PhoneRow(kind, number, is_primary)
                                    for _, _, kind, number, is_primary in found if number is not None])


@prepared
def _contact():
    return (db.select(Customer.first_name, Customer.last_name, CustomerPhone.kind, CustomerPhone.number,
                      CustomerPhone.is_primary)
            .outerjoin(CustomerPhone, CustomerPhone.customer_id == Customer.id)
            .where(Customer.email == bindparam("email")).order_by(CustomerPhone.id))


@dataclass(slots=True)
class FieldValueRow:
    field_id: int
    name: str  # the field's
    value: str | None


def field_values(staff, req: Request) -> list[FieldValueRow]:
    """The request's custom field values with their fields' names (``req.field_values``), by field id: one
    statement. Raises Forbidden."""
    require(staff)
    return [FieldValueRow(*row) for row in rows(_field_values(), request_id=req.id)]


@prepared
def _field_values():
    return (db.select(FieldValue.field_id, CustomField.name, FieldValue.value)
            .join(CustomField, CustomField.id == FieldValue.field_id)
            .where(FieldValue.request_id == bindparam("request_id")).order_by(FieldValue.field_id))


def tag_names(staff, req: Request) -> list[str]:
    """The names of the request's tags, in ``req.tags``'s order: one statement. Raises Forbidden."""
    require(staff)
    return [name for (name,) in rows(_tag_names(), request_id=req.id)]


@prepared
def _tag_names():
    return (db.select(RequestTag.name).join(request_tag_link, request_tag_link.c.tag_id == RequestTag.id)
            .where(request_tag_link.c.request_id == bindparam("request_id")).order_by(RequestTag.name_key))
