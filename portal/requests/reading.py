"""A request's history as the customer's request page shows it: plain rows of the columns it shows.

Why: the page is read by whoever holds an access key, often; ORM notes with their attachments and authors
loaded per relationship (three statements, objects for every row) cost more Python than the rest of the
page. The rule of who reads which notes stays ``services.history``'s: the portal shows public notes only.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam

from ..accounts.models import Staff
from ..database import prepared, rows
from ..extensions import db
from .models import Attachment, Note, Request


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


def public_history(req: Request) -> list[NoteRow]:
    """What ``services.history(req)`` lists for anyone but staff (public notes, pinned first then newest
    first, files by id), in one statement."""
    notes: list[NoteRow] = []
    for row in rows(_public_notes_with_files(), request_id=req.id):
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
