"""Copies of a staff note mailed to addresses the staff member names: HelpSpot's ``email_cc``, ``email_bcc``
(copies of a public reply) and ``email_to`` (an external note, mailed to those addresses and never shown to
the customer). Each address gets its own mail through the outbox, in the note's transaction; a cc copy says
who else was copied, a bcc copy and the cc copies never name the bcc addresses.

The copies carry the note's text and the request number, never the customer's access key or links: a
copied address has not been given the request. Functions flush, never commit.
"""
from dataclasses import dataclass, field

from flask_babel import gettext

from .. import mail, settings
from ..accounts.services import normalise_email
from ..errors import ValidationFailed
from ..i18n import mail_gettext
from ..text import strip_tags
from .models import Note, Request

MAX_ADDRESSES = 20  # per note, cc, bcc and to together


@dataclass
class Copies:
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cc or self.bcc or self.to)


def parse(cc: str = "", bcc: str = "", to: str = "") -> Copies:
    """Comma-separated address lists, each address checked. Raises ValidationFailed naming the list
    (``email_cc``, ``email_bcc``, ``email_to``) and the address's place in it."""
    errors, lists = [], {}
    for name, raw in (("email_cc", cc), ("email_bcc", bcc), ("email_to", to)):
        addresses = []
        for number, part in enumerate((p for p in (raw or "").split(",") if p.strip()), start=1):
            address, reason = normalise_email(part)
            if reason:
                errors.append((name, f"{name}: address {number} is not a valid email address."))
            elif address not in addresses:
                addresses.append(address)
        lists[name] = addresses
    if sum(len(v) for v in lists.values()) > MAX_ADDRESSES:
        errors.append(("email_cc", gettext("At most %(max_addresses)s addresses can be copied on one note.",
                                           max_addresses=MAX_ADDRESSES)))
    if errors:
        raise ValidationFailed(errors)
    return Copies(lists["email_cc"], lists["email_bcc"], lists["email_to"])


def check_note_kind(copies: Copies, *, public: bool, external: bool) -> None:
    """cc and bcc go with a public or external note, ``to`` with an external note only: a private note is
    mailed to nobody. Raises ValidationFailed."""
    errors = []
    if copies.to and not external:
        errors.append(("email_to", "email_to is for external notes (fNoteType=2) only."))
    if (copies.cc or copies.bcc) and not (public or external):
        errors.append(("email_cc" if copies.cc else "email_bcc",
                       "A private note is mailed to nobody: send fNoteType=1 (public) or 2 (external) to copy it."))
    if errors:
        raise ValidationFailed(errors)


def send(req: Request, note: Note, staff, copies: Copies) -> int:
    """Queue one mail per address (``to`` and ``cc`` first, then ``bcc``). Returns how many were queued."""
    text = strip_tags(note.body) if note.is_html else note.body
    portal = settings.get("portal_name")
    title = (mail_gettext("[%(portal)s] Request %(number)s: %(title)s", portal=portal, number=req.id, title=req.title)
             if req.title else mail_gettext("[%(portal)s] Request %(number)s", portal=portal, number=req.id))
    shown = copies.to + copies.cc
    queued = 0
    for address in shown + [a for a in copies.bcc if a not in shown]:
        others = [a for a in shown if a != address] if address in shown else []
        mail.send_after_commit(address, title, "request_note_copy", number=req.id, staff_name=staff.full_name,
                               text=text, copied=", ".join(others), external=address in copies.to)
        queued += 1
    return queued
