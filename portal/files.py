"""Content-addressed file storage for attachments, and how every file route serves them.

Bytes are stored once under their SHA-256 through ``portal.storage`` (UPLOAD_DIR/ab/cd/<sha256>, mode 0640,
never executable, by default; S3-compatible object storage with STORAGE_URL=s3://...). The stored name is
always the hash, never a name the client sent, so no upload can choose or traverse a path.

Served from the portal's own origin, a file is never given a type a browser would run or render as a
document (a ``.js`` served as ``application/javascript`` passes ``script-src 'self'``): only the raster
image types of ``INLINE_TYPES`` are shown inline, everything else downloads as
``application/octet-stream`` (see ``download``).
"""
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import current_app, request
from flask_babel import gettext

from . import settings, storage
from .errors import ValidationFailed
from .storage import StorageError  # noqa: F401  (raised by store; callers import it from here)

_UNSAFE_NAME = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


@dataclass
class Upload:
    """A file a customer, staff member or API client sent: the name is only ever displayed."""

    filename: str
    data: bytes
    mime_type: str = ""


# Raster images a browser only ever decodes as pictures. Never SVG (it carries script), never HTML, XML or
# anything a <script>, <object> or <link> would load.
INLINE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg",
                "gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp", "avif": "image/avif"}
DOWNLOAD_TYPE = "application/octet-stream"
# Windows drops trailing dots and spaces when it saves a file ("evil.js." is saved as "evil.js").
_TRAILING = re.compile(r"[.\s]+$")
# A name cut at a NUL, however it was spelt, by a tool that reads it as a C string: "evil.js%00.png".
_NUL_SPELLINGS = re.compile(r"\x00|%(?:25)*00", re.IGNORECASE)


def safe_filename(name: str) -> str:
    """The name shown and offered on download: no folders, no leading dots, no trailing dots or spaces."""
    name = os.path.basename((name or "").replace("\\", "/")).strip().lstrip(".")
    name = _TRAILING.sub("", _UNSAFE_NAME.sub("_", name)[:200])
    return name or "file"


def extension(filename: str) -> str:
    """The lower-case extension a desktop would act on: after dropping trailing dots and spaces."""
    name = _TRAILING.sub("", os.path.basename((filename or "").replace("\\", "/")))
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def guess_mime(filename: str) -> str:
    """The type Portico records for an upload, from its (normalised) name alone.

    The type a client declares is not trusted (nor asked for): it could call a script an image.
    What is recorded is only ever an allow-listed raster image type (served inline) or a type used to
    describe a download (``download`` serves those as application/octet-stream all the same)."""
    ext = extension(filename)
    if ext in INLINE_TYPES:
        return INLINE_TYPES[ext]
    guessed = mimetypes.guess_type(f"file.{ext}")[0] if ext else None
    if guessed is None or _active(guessed):
        return DOWNLOAD_TYPE
    return guessed


def _active(mime_type: str) -> bool:
    """Types a browser may run, render as a document or hand to a plugin: never recorded for an upload."""
    return bool(_ACTIVE_TYPE.search(mime_type))


_ACTIVE_TYPE = re.compile(r"html|(?<![a-z])xml|script|svg|css|shockwave|flash|x-sh\b|php|multipart", re.IGNORECASE)


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
        raise ValidationFailed((field, gettext("%(name)s is larger than %(size)s.", name=safe_filename(upload.filename),
                                                size=human_size(limit))))
    blocked = {ext.strip().lower().lstrip(".") for ext in settings.get("blocked_extensions").split(",") if ext.strip()}
    # Every name a desktop or a tool could make of it: as sent, as stored, and cut at a NUL.
    names = [upload.filename or "", safe_filename(upload.filename), *_NUL_SPELLINGS.split(upload.filename or "")[:1]]
    for ext in dict.fromkeys(extension(name) for name in names):
        if ext and ext in blocked:
            raise ValidationFailed((field, gettext("Files of type .%(ext)s are not accepted.", ext=ext)))


def path_for(sha256: str) -> Path:
    """Where the local directory keeps a file (the local backend only). Raises ValueError for anything but a
    content address."""
    return Path(current_app.config["UPLOAD_DIR"]) / storage.key_for(sha256)


def store(data: bytes) -> str:
    """Write bytes once, through the configured storage (portal.storage), and return their SHA-256.
    Raises StorageError when the store refuses."""
    digest = hashlib.sha256(data).hexdigest()
    storage.current().put(digest, data)
    return digest


def read(sha256: str) -> bytes:
    """The bytes stored under ``sha256``. Raises ValueError for a bad address, OSError (FileNotFoundError
    for a missing file) when they cannot be read."""
    storage.key_for(sha256)
    return storage.current().get(sha256)


def is_inline(mime_type: str, filename: str) -> bool:
    """Whether a stored file is shown inline: an allow-listed raster image type that its name agrees with.

    Rows stored before uploads were typed by name kept the client's declared type, so the type alone
    is not enough ("evil.js" declared as image/png)."""
    return INLINE_TYPES.get(extension(filename)) == (mime_type or "").lower()


def download(data: bytes, mime_type: str, filename: str, *, public: bool = False, etag: str | None = None):
    """The reply of every file route: never sniffed, never run, sandboxed if opened as a document.

    ``public``: the file may be read by anyone (a public KB page, and the portal open to visitors), so
    shared caches may keep it; anything else is ``private, no-store``."""
    inline = is_inline(mime_type, filename)
    response = current_app.response_class(data, mimetype=mime_type.lower() if inline else DOWNLOAD_TYPE)
    # An ASCII name for old clients and the exact UTF-8 name (RFC 6266) for the rest.
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_").replace("\\", "_")
    response.headers["Content-Disposition"] = (f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
                                               f"filename*=UTF-8''{quote(filename, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    if etag:
        response.set_etag(etag)
        response.make_conditional(request)
    return response
