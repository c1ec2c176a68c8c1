"""Forwarding a request by mail: staff send its conversation to addresses they choose (a colleague, a
supplier). Each recipient gets their own mail through the outbox, sent once the change commits; the request's
history records who forwarded it to whom. Mail carries text only: attachments are named, not attached.
"""
from collections.abc import Sequence

from flask_babel import gettext

from .. import mail, settings
from ..accounts.services import normalise_email
from ..errors import ValidationFailed
from ..text import single_line, strip_tags
from .models import Request
from .services import add_log
from .workflow import require

MAX_RECIPIENTS = 20
MAX_SUBJECT = 250


def forward(req: Request, staff, *, to: Sequence[str], cc: Sequence[str] = (), bcc: Sequence[str] = (), subject: str,
            message: str, all_messages: bool = True, private_notes: bool = False) -> list[str]:
    """Queue one mail per recipient with ``message`` and (``all_messages``) the request's public messages,
    private notes too with ``private_notes``. Returns the addresses mailed.

    Raises Forbidden, ValidationFailed (``to``, ``cc``, ``bcc``, ``subject``, ``message``)."""
    require(staff)
    errors: list[tuple[str, str]] = []
    addresses: dict[str, str] = {}
    for name, raw in (("to", to), ("cc", cc), ("bcc", bcc)):
        for one in raw:
            address, reason = normalise_email(one)
            if reason or not address:
                errors.append((name, reason or gettext("This is not a valid email address.")))
            addresses.setdefault(address, name)
    if not to:
        errors.append(("to", gettext("Name at least one address.")))
    if len(addresses) > MAX_RECIPIENTS:
        errors.append(("to", gettext("Forward to at most %(max_recipients)s addresses at once.",
                                     max_recipients=MAX_RECIPIENTS)))
    subject = single_line(subject)
    if not subject:
        errors.append(("subject", gettext("This field is required.")))
    if not message.strip():
        errors.append(("message", gettext("This field is required.")))
    if errors:
        raise ValidationFailed(errors[:1] + [e for e in errors[1:] if e[0] != errors[0][0]])
    notes = [n for n in req.notes if not n.log and (n.is_public or private_notes)] if all_messages else []
    conversation = [{"when": n.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                     "who": n.staff.full_name if n.staff else (req.full_name.strip() or req.email or "Customer"),
                     "private": not n.is_public, "text": strip_tags(n.body) if n.is_html else n.body,
                     "files": [a.filename for a in n.attachments]} for n in notes]
    for address in addresses:
        mail.send_after_commit(address, subject[:MAX_SUBJECT], "request_forward", message=message,
                               number=req.id, request_title=req.title, staff_name=staff.full_name,
                               conversation=conversation,
                               portal_name=settings.get("portal_name"))
    add_log(req, f"Forwarded by mail to {', '.join(addresses)}", staff)
    return list(addresses)
