"""How much text people may send. Every body is capped when it is written: a note,
post or page is rendered on every view, so a body without a limit is a page that can be made slow for
everyone who opens it.

Sizes are UTF-8 bytes (what the database, mails and pages carry), limits are settings in KB of 1,024 bytes:
``max_body_kb_customer`` for what customers and the public API send, ``max_body_kb_staff`` for staff.
"""
from flask_babel import gettext

from . import settings
from .errors import ValidationFailed


def body_limit(*, staff: bool = False) -> int:
    """The largest body accepted, in bytes (a setting of 0 still allows 1 KB: a cap cannot be switched off)."""
    return max(1, settings.get("max_body_kb_staff" if staff else "max_body_kb_customer")) * 1024


def too_long(text: str | None, *, staff: bool = False, label: str | None = None) -> str | None:
    """The reason ``text`` is refused, naming the limit, or None when it fits. ``label`` (translated by the
    caller) starts the sentence: "Your note", "The page"; "This text" when not given."""
    limit = body_limit(staff=staff)
    if not text or len(text) * 4 <= limit:  # cannot be over: no need to encode
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return gettext("%(label)s is too long: the limit is %(kb)s KB (%(limit)s bytes) and it has %(size)s bytes. "
                   "Please shorten it, or attach the rest as a file.", label=label or gettext("This text"),
                   kb=limit // 1024, limit=f"{limit:,}", size=f"{size:,}")


def check(text: str | None, field: str, *, staff: bool = False, label: str | None = None) -> None:
    """Raise ValidationFailed on ``field`` when ``text`` is over the limit."""
    reason = too_long(text, staff=staff, label=label)
    if reason:
        raise ValidationFailed((field, reason))
