"""``POST /blobs/temp``: a file uploaded on its own (multipart field ``file``), answered with a ``blob_id``
and a ``blob_auth`` that a ticket message then names in ``attachments: [{"blob_auth": ...}]``, as DeskPRO's
SDKs do. The bytes go to Portico's file store at once (content-addressed, the same size and type checks as
every upload); the blob row only remembers who sent which file. A blob is usable by the staff member whose
key uploaded it, for BLOB_HOURS; then the worker's prune (:func:`purge_expired`) deletes its row, and its
stored file unless a message's or a KB page's attachment (or another blob) holds the same bytes.
"""
import logging
import secrets
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ... import files as filestore
from ... import storage, unit_of_work
from ...dates import utcnow
from ...errors import NotFound, ValidationFailed
from ...extensions import Model, db
from ...files import Upload
from ...requests import workflow
from ..body import Input, InvalidInput
from .dialect import created, location, route

log = logging.getLogger(__name__)
BLOB_HOURS = 24
MAX_BLOBS = 9  # attachments on one message
BLOB = {"type": "object", "required": ["blob_id", "blob_auth", "filename", "content_type", "download_url"],
        "properties": {"blob_id": {"type": "integer"}, "blob_auth": {"type": "string"},
                       "filename": {"type": "string"}, "download_url": {"type": "string"}}}
FILE = {"200": {"type": "string", "x-media-type": "application/octet-stream"}}


class TempBlob(Model):
    __tablename__ = "temp_blob"
    # The purge finds expired blobs by age, and asks whether another blob holds the same bytes.
    __table_args__ = (Index("ix_temp_blob_created_at", "created_at"), Index("ix_temp_blob_sha256", "sha256"))

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



PURGE_BATCH = 200


def purge_expired(at: datetime | None = None) -> dict[str, int]:
    """Delete the blobs older than BLOB_HOURS (their time to be named by a message is over), batch by batch,
    each batch its own short transaction, and then each stored file that nothing else refers to: no request
    or KB attachment, no other blob (the store is content-addressed: the same bytes are one file). Returns
    the counts of rows and files deleted. A file that cannot be deleted now is logged, and left (its row is
    gone: an orphan file costs space, never a broken download)."""
    from ...kb.models import PageAttachment
    from ...requests.models import Attachment

    cutoff = (at or utcnow()) - timedelta(hours=BLOB_HOURS)
    rows = files = 0
    while True:
        with unit_of_work.separate("the worker purges expired DeskPRO blobs") as session:
            batch = session.execute(select(TempBlob.id, TempBlob.sha256).where(TempBlob.created_at <= cutoff)
                                    .order_by(TempBlob.created_at).limit(PURGE_BATCH)).all()
            if batch:
                session.execute(delete(TempBlob).where(TempBlob.id.in_([row_id for row_id, _ in batch]))
                                .execution_options(synchronize_session=False))
            digests = {sha256 for _, sha256 in batch}
            held: set[str] = set()
            if digests:  # three indexed lookups per batch, whatever its size
                for column in (Attachment.sha256, PageAttachment.sha256, TempBlob.sha256):
                    held.update(session.scalars(select(column).where(column.in_(digests)).distinct()))
        rows += len(batch)
        for sha256 in sorted(digests - held):  # after the commit: a rolled-back batch keeps its files
            try:
                storage.current().delete(sha256)
                files += 1
            except (OSError, ValueError) as exc:
                log.warning("expired blob file %s not deleted: %s", sha256, exc)
        if len(batch) < PURGE_BATCH:
            return {"temp_blob": rows, "temp_blob_file": files}
