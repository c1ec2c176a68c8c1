"""A request and its history as the customer's request page shows them: plain rows of the columns it shows.

Why: the page is read by whoever holds an access key, often; the ORM request and notes, with attachments
and authors loaded per relationship (three to five statements, objects for every row), cost more Python
than the rest of the page. The rules stay the services': which key opens which request is
``services.find_by_access_key``'s, and the portal shows public notes only (``services.history``).
"""
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam

from ..accounts.models import Staff
from ..database import prepared, rows
from ..extensions import db
from . import services
from .models import Attachment, Category, Note, Request, Status


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
