"""``POST /blobs/temp``: a file uploaded on its own (multipart field ``file``), answered with a ``blob_id``
and a ``blob_auth`` that a ticket message then names in ``attachments: [{"blob_auth": ...}]``, as DeskPRO's
SDKs do. The bytes go to Portico's file store at once (content-addressed, the same size and type checks as
every upload); the blob row only remembers who sent which file. A blob is usable by the staff member whose
key uploaded it, for BLOB_HOURS.
"""
import secrets
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ... import files as filestore
from ...dates import utcnow
from ...errors import NotFound, ValidationFailed
from ...extensions import Model, db
from ...files import Upload
from ...requests import workflow
from ..body import Input, InvalidInput
from .dialect import created, location, route

BLOB_HOURS = 24
MAX_BLOBS = 9  # attachments on one message
BLOB = {"type": "object", "required": ["blob_id", "blob_auth", "filename", "content_type", "download_url"],
        "properties": {"blob_id": {"type": "integer"}, "blob_auth": {"type": "string"},
                       "filename": {"type": "string"}, "download_url": {"type": "string"}}}
FILE = {"200": {"type": "string", "x-media-type": "application/octet-stream"}}


class TempBlob(Model):
    __tablename__ = "temp_blob"

    id: Mapped[int] = mapped_column(primary_key=True)
    auth: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def blob(row: TempBlob) -> dict:
    return {"blob_id": row.id, "blob_auth": row.auth, "filename": row.filename, "content_type": row.mime_type,
            "filesize": row.size, "download_url": location(f"blobs/temp/{row.id}")}


@route("/blobs/temp", ("POST", "PUT"), "tickets.blobs.create", doc={"data": BLOB})
def upload_blob(caller):
    workflow.require(caller.staff)
    item = request.files.get("file")
    if item is None or not item.filename:
        raise InvalidInput([("file", "required", "Send the file as the multipart field \"file\".")])
    upload = Upload(filename=item.filename, data=item.read(), mime_type=item.mimetype or "")
    try:
        filestore.check_upload(upload, "file")
        digest = filestore.store(upload.data)
    except ValidationFailed as exc:
        raise InvalidInput([(field, "invalid", reason) for field, reason in exc.errors]) from None
    except filestore.StorageError:
        raise InvalidInput([("file", "storage", "Files cannot be saved right now. Please try again later.")]) from None
    name = filestore.safe_filename(upload.filename)
    row = TempBlob(auth=secrets.token_urlsafe(32), staff_id=caller.staff.id, filename=name,
                   mime_type=filestore.guess_mime(name), size=len(upload.data), sha256=digest)
    db.session.add(row)
    db.session.flush()
    return created(blob(row), f"blobs/temp/{row.id}")


def _live(staff) -> list:
    return [TempBlob.staff_id == staff.id, TempBlob.created_at > utcnow() - timedelta(hours=BLOB_HOURS)]


@route("/blobs/temp/<int:blob_id>", "GET", "tickets.blobs.get", doc={"responses": FILE})
def download_blob(caller, blob_id):
    row = db.session.execute(db.select(TempBlob).where(TempBlob.id == blob_id, *_live(caller.staff))).scalar()
    if row is None:
        raise NotFound("No such blob.")
    return filestore.download(filestore.read(row.sha256), row.mime_type, row.filename)


def uploads(parent: Input, staff, name: str = "attachments") -> list[Upload]:
    """``attachments: [{"blob_auth": "..."}]`` (or ``{"blob_id", "blob_auth"}``, or the bare auth string) as
    uploads. A problem for an unknown, expired or another staff member's blob is added to ``parent``."""
    values = parent.array(name)
    if not values:
        return []
    if len(values) > MAX_BLOBS:
        parent.problem(name, "too_many", f"At most {MAX_BLOBS} attachments on one message.")
        return []
    auths = []
    for number, value in enumerate(values):
        auth = value.get("blob_auth") if isinstance(value, dict) else value
        if not isinstance(auth, str) or not 0 < len(auth) <= 64:
            parent.problem(f"{name}.{number}", "invalid", "Give each attachment as {\"blob_auth\": ...}.")
        else:
            auths.append(auth)
    rows = {row.auth: row for row in db.session.execute(
        db.select(TempBlob).where(TempBlob.auth.in_(auths), *_live(staff))).scalars()} if auths else {}
    found = []
    for number, auth in enumerate(auths):
        row = rows.get(auth)
        if row is None:
            parent.problem(f"{name}.{number}", "not_found", "No such blob (they last 24 hours).")
            continue
        try:
            found.append(Upload(filename=row.filename, data=filestore.read(row.sha256), mime_type=row.mime_type))
        except OSError:
            parent.problem(f"{name}.{number}", "not_found", "This blob's file is gone.")
    return found

