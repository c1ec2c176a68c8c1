"""Content-addressed file storage for attachments.

Bytes are stored once under UPLOAD_DIR/ab/cd/<sha256>, with mode 0640 (never executable). The stored
name is always the hash, never a name the client sent, so no upload can choose or traverse a path.
"""
import hashlib
import mimetypes
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from . import settings
from .errors import ValidationFailed

_HEX = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


@dataclass
class Upload:
    """A file a customer, staff member or API client sent: the name is only ever displayed."""

    filename: str
    data: bytes
    mime_type: str = ""


class StorageError(Exception):
    """The upload directory is full, read-only or missing."""


def safe_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip().lstrip(".")
    name = _UNSAFE_NAME.sub("_", name)[:200]
    return name or "file"


def guess_mime(filename: str, declared: str = "") -> str:
    declared = (declared or "").strip().lower()
    if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", declared):
        return declared
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    if size >= 1_000:
        return f"{size / 1_000:g} KB"
    return f"{size} bytes"


def check_upload(upload: Upload, field: str = "attachments") -> None:
    """Raise ValidationFailed when a file is too large or of a blocked type."""
    limit = int(settings.get("max_upload_mb")) * 1_000_000
    limit = min(limit, current_app.config["MAX_UPLOAD_BYTES"]) if limit else current_app.config["MAX_UPLOAD_BYTES"]
    if len(upload.data) > limit:
        raise ValidationFailed((field, f"{safe_filename(upload.filename)} is larger than {human_size(limit)}."))
    blocked = {ext.strip().lower().lstrip(".") for ext in settings.get("blocked_extensions").split(",") if ext.strip()}
    ext = safe_filename(upload.filename).rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if ext and ext in blocked:
        raise ValidationFailed((field, f"Files of type .{ext} are not accepted."))


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_for(sha256: str) -> Path:
    if not _HEX.match(sha256 or ""):
        raise ValueError("not a content address")
    return _root() / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes) -> str:
    """Write bytes once and return their SHA-256. Raises StorageError when the disk refuses."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(digest)
    if target.exists():
        return digest
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)  # atomic: a reader never sees half a file
    except OSError as exc:
        if tmp is not None:  # a full disk must not also keep the half-written file
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise StorageError(f"could not store an attachment: {exc.strerror or exc}") from exc
    return digest


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()


def is_inline(mime_type: str) -> bool:
    """Images (but not SVG, which can carry script) may be shown inline; everything else downloads."""
    return mime_type.startswith("image/") and mime_type != "image/svg+xml"
