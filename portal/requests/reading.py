"""A request and its history as the customer's request page shows them: plain rows of the columns it shows.

Why: the page is read by whoever holds an access key, often; the ORM request and notes, with attachments
and authors loaded per relationship (three to five statements, objects for every row), cost more Python
than the rest of the page. The rules stay the services': which key opens which request is
``services.find_by_access_key``'s, and the portal shows public notes only (``services.history``).
"""
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func

from ..accounts.models import Staff
from ..database import prepared, rows
from ..extensions import db
from ..text import summarize
from ..urls import MAX_ID
from . import services
from .models import Attachment, Category, FieldValue, Note, Request, RequestTag, Status, request_tag_link
from .queue import QueuePage


@dataclass(frozen=True, slots=True)
class RequestHead:
    """What the request page shows of a request, and what ``services.hidden_from_public`` reads."""
    id: int
    password: str
    title: str
    first_name: str
    last_name: str
    email: str
    user_id: str
    phone: str
    is_open: bool
    closed_at: datetime | None
    opened_at: datetime
    status_name: str
    category_name: str | None

    # The model's own properties (they read only the columns above): one definition of each.
    access_key = Request.access_key
    subject = Request.subject
    full_name = Request.full_name
    display_name = Request.display_name


def read_by_access_key(key: str) -> RequestHead:
    """The request an access key opens, as its page shows it, in one statement. A key that opens no request
    here is left to ``services.find_by_access_key``, which raises NotFound or Merged for it."""
    parsed = services.parse_access_key(key)
    if parsed is not None:
        found = rows(_request_head(), request_id=parsed[0])
        # The same comparison as find_by_access_key's: in constant time, so a guess learns nothing from it.
        if found and hmac.compare_digest(found[0].password.encode(), parsed[1].encode()):
            return RequestHead(*found[0])
    return head_of(services.find_by_access_key(key))


def head_of(req: Request) -> RequestHead:
    """The page's view of a request already loaded (after a refused update, or opened by an emailed link)."""
    return RequestHead(req.id, req.password, req.title, req.first_name, req.last_name, req.email, req.user_id,
                       req.phone, req.is_open, req.closed_at, req.opened_at, req.status.name,
                       req.category.name if req.category is not None else None)


@prepared
def _request_head():
    return (db.select(Request.id, Request.password, Request.title, Request.first_name, Request.last_name,
                      Request.email, Request.user_id, Request.phone, Request.is_open, Request.closed_at,
                      Request.opened_at, Status.name, Category.name)
            .join(Status, Status.id == Request.status_id).outerjoin(Category, Category.id == Request.category_id)
            .where(Request.id == bindparam("request_id")))


@dataclass(frozen=True, slots=True)
class FileRow:
    id: int
    filename: str
    mime_type: str
    size: int


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A public note: ``staff_first_name`` is its staff author's, when the staff member still exists."""
    id: int
    author_id: int
    staff_first_name: str | None
    created_at: datetime
    pinned: bool
    is_html: bool
    body: str
    attachments: list[FileRow] = field(default_factory=list)


def public_history(request_id: int) -> list[NoteRow]:
    """What ``services.history`` lists of a request for anyone but staff (public notes, pinned first then newest
    first, files by id), in one statement."""
    notes: list[NoteRow] = []
    for row in rows(_public_notes_with_files(), request_id=request_id):
        if not notes or notes[-1].id != row.id:
            notes.append(NoteRow(row.id, row.author_id, row.first_name, row.created_at, row.pinned, row.is_html,
                                 row.body))
        if row.file_id is not None:
            notes[-1].attachments.append(FileRow(row.file_id, row.filename, row.mime_type, row.size))
    return notes


@prepared
def _public_notes_with_files():
    """One row per file (one row without a file for a note that has none)."""
    return (db.select(Note.id, Note.author_id, Staff.first_name, Note.created_at, Note.pinned, Note.is_html,
                      Note.body, Attachment.id.label("file_id"), Attachment.filename, Attachment.mime_type,
                      Attachment.size)
            .outerjoin(Staff, Staff.id == Note.staff_id).outerjoin(Attachment, Attachment.note_id == Note.id)
            .where(Note.request_id == bindparam("request_id"), Note.is_public.is_(True))
            .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc(), Attachment.id))


# ------------------------------------------------------------------------- the customer's request list

@dataclass(frozen=True, slots=True)
class CustomerRequestRow:
    """A row of the customer's request list: what it shows of a request."""
    id: int
    password: str
    title: str
    status_name: str | None
    opened_at: datetime
    summary: str  # the start of the first note as plain text (HelpSpot's history shows it: a title is often empty)

    access_key = Request.access_key


def customer_requests(email: str, page: int = 1, per_page: int = 20) -> QueuePage:
    """The requests opened with an email, newest first, a page of them with their status and summary, in
    two statements (the count and the page). A page past MAX_ID is empty, not an OFFSET the database
    refuses. The ORM page (requests with their status joined, categories ``selectin``, then the first
    notes) was three statements and an object per row for a page a logged-in customer opens often."""
    email = (email or "").strip().lower()
    page = min(max(1, page or 1), MAX_ID)
    total = rows(_customer_request_count(), email=email)[0][0]
    found = rows(_customer_request_page(), email=email, offset=(page - 1) * per_page, limit=per_page) \
        if total else []
    return QueuePage([CustomerRequestRow(row.id, row.password, row.title, row.status_name, row.opened_at,
                                         summarize(row.first_note or "")) for row in found],
                     total, page, per_page)


@prepared
def _customer_request_count():
    return db.select(func.count()).select_from(Request).where(Request.email == bindparam("email"))


@prepared
def _customer_request_page():
    # The first note by a correlated lookup (ix_note_request), not a join: a merged request can hold
    # more than one initial note, and the list shows each request once.
    first_note = (db.select(func.substr(Note.body, 1, 2000))
                  .where(Note.request_id == Request.id, Note.is_initial.is_(True))
                  .order_by(Note.id).limit(1).scalar_subquery())
    return (db.select(Request.id, Request.password, Request.title, Status.name.label("status_name"),
                      Request.opened_at, first_note.label("first_note"))
            .outerjoin(Status, Status.id == Request.status_id)
            .where(Request.email == bindparam("email"))
            .order_by(Request.opened_at.desc(), Request.id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


# --------------------------------------------------------------------------------- request.get (the API)

@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A public note as HelpSpot's ``request.get`` lists it (``api.shapes.history_item`` reads these)."""
    id: int
    request_id: int
    author_id: int
    created_at: datetime
    is_public: bool
    is_initial: bool
    log: str
    body: str
    is_html: bool
    merged_from: int | None
    attachments: list[FileRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ApiExtras:
    """What ``request.get`` shows beside the request's own columns: the public history, the custom field
    values by field id and the reporting tags (id, name)."""
    history: list[HistoryRow]
    values: dict[int, str]
    tags: list[tuple[int, str]]


def api_extras(request_id: int) -> ApiExtras:
    """``request.get``'s history (what ``services.history`` gives anyone but staff), values and tags as
    plain rows in three statements: the ORM notes, attachments, values and tags, each a lazy or
    ``selectin`` load, were most of the method's time."""
    history: list[HistoryRow] = []
    for row in rows(_public_history_for_api(), request_id=request_id):
        if not history or history[-1].id != row.id:
            history.append(HistoryRow(row.id, row.request_id, row.author_id, row.created_at, row.is_public,
                                      row.is_initial, row.log, row.body, row.is_html, row.merged_from))
        if row.file_id is not None:
            history[-1].attachments.append(FileRow(row.file_id, row.filename, row.mime_type, row.size))
    values = {field_id: value for field_id, value in rows(_field_values(), request_id=request_id)}
    tags = [(tag_id, name) for tag_id, name in rows(_tags(), request_id=request_id)]
    return ApiExtras(history, values, tags)


@prepared
def _public_history_for_api():
    return (db.select(Note.id, Note.request_id, Note.author_id, Note.created_at, Note.is_public, Note.is_initial,
                      Note.log, Note.body, Note.is_html, Note.merged_from, Attachment.id.label("file_id"),
                      Attachment.filename, Attachment.mime_type, Attachment.size)
            .outerjoin(Attachment, Attachment.note_id == Note.id)
            .where(Note.request_id == bindparam("request_id"), Note.is_public.is_(True))
            .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc(), Attachment.id))


@prepared
def _field_values():
    return db.select(FieldValue.field_id, FieldValue.value).where(FieldValue.request_id == bindparam("request_id"))


@prepared
def _tags():
    return (db.select(RequestTag.id, RequestTag.name)
            .join(request_tag_link, request_tag_link.c.tag_id == RequestTag.id)
            .where(request_tag_link.c.request_id == bindparam("request_id")).order_by(RequestTag.name_key))
