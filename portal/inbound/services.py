"""Mailboxes (administrators only) and what becomes of each mail read from them.

A mail carrying a request's signed token (``portal.inbound.tokens``) is the customer's answer: a public note
through ``add_customer_update``, as the request page would add it (reopens a closed request; staff are told).
Any other mail opens a request through ``create_request`` as the portal form does (the same validation, spam
check and custom-field defaults), in the mailbox's category, with its attachments; its sender gets the
access-key auto-reply, at most ``auto_replies_per_day`` times a day. Automatic mail is skipped
(``portal.inbound.loops``). Functions flush, never commit: the poller commits each mail on its own.
"""
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from .. import settings
from ..accounts.admin import require_admin
from ..dates import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..requests import services as requests
from ..requests.models import STATUS_SPAM, VIA_EMAIL, Category
from ..text import single_line
from . import loops, tokens
from .models import NEW_REQUEST, NOTE, REFUSED, SECURITY, SKIPPED, InboundMail, Mailbox
from .parse import Parsed, answer_text, parse

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FIELDS = ("name", "host", "port", "security", "folder", "username", "password", "category_id", "active")


# ------------------------------------------------------------------------------------------ administrators

def mailboxes(actor) -> list[Mailbox]:
    require_admin(actor)
    return list(db.session.scalars(select(Mailbox).order_by(Mailbox.name, Mailbox.id)))


def get_mailbox(actor, mailbox_id: int) -> Mailbox:
    require_admin(actor)
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(gettext("No such mailbox."))
    return mailbox


def save_mailbox(actor, mailbox: Mailbox | None, form: dict) -> Mailbox:
    """Create (``mailbox`` None) or change a mailbox from the page's fields. An empty password keeps the
    one stored. Raises Forbidden, ValidationFailed listing every problem."""
    require_admin(actor)
    errors = []
    values = {name: single_line(str(form.get(name, "") or "")).strip() for name in FIELDS}
    for name, label in (("name", "a name"), ("host", "the IMAP server"), ("username", "the user name")):
        if not values[name]:
            errors.append((name, gettext("Please give %(label)s.", label=label)))
    port = values["port"]
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        errors.append(("port", gettext("Use a port number from 1 to 65535.")))
    if values["security"] not in SECURITY:
        errors.append(("security", gettext("Choose SSL, STARTTLS or none.")))
    elif values["security"] == "none" and values["host"].lower() not in LOOPBACK:
        # The login and every customer's mail would cross the network in clear.
        errors.append(("security", gettext("Without SSL or STARTTLS only a server on this host (127.0.0.1) is "
                                           "allowed.")))
    if mailbox is None and not values["password"]:
        errors.append(("password", gettext("Please give the password.")))
    category = None
    if values["category_id"]:
        category = db.session.get(Category, int(values["category_id"])) if values["category_id"].isdigit() else None
        if category is None or category.deleted or not category.public_submit:
            # Mail opens requests as the portal form does: in a category customers may choose.
            errors.append(("category_id", gettext("Please choose one of the listed categories (customers may "
                                                                  "submit to them).")))
    if errors:
        raise ValidationFailed(errors)
    if mailbox is None:
        mailbox = Mailbox(last_error=None)
        db.session.add(mailbox)
    mailbox.name, mailbox.host, mailbox.port = values["name"][:100], values["host"][:255], int(port)
    mailbox.security, mailbox.folder = values["security"], (values["folder"] or "INBOX")[:255]
    mailbox.username, mailbox.category_id = values["username"][:255], category.id if category else None
    mailbox.active = values["active"] in ("1", "on", "true", "True")
    if values["password"]:
        mailbox.password = values["password"][:255]
    db.session.flush()
    return mailbox


def delete_mailbox(actor, mailbox_id: int) -> None:
    db.session.delete(get_mailbox(actor, mailbox_id))
    db.session.flush()


def recent_mail(actor, mailbox_id: int, limit: int = 50) -> list[InboundMail]:
    require_admin(actor)
    return list(db.session.scalars(select(InboundMail).where(InboundMail.mailbox_id == mailbox_id)
                                   .order_by(InboundMail.received_at.desc(), InboundMail.id.desc()).limit(limit)))


# ------------------------------------------------------------------------------------------ one mail

def auto_replies_today(sender: str) -> int:
    since = utcnow() - timedelta(days=1)
    return db.session.scalar(select(func.count(InboundMail.id)).where(
        InboundMail.sender == sender, InboundMail.auto_replied.is_(True), InboundMail.received_at >= since)) or 0


def receive(mailbox: Mailbox | None, raw: bytes) -> InboundMail:
    """Turn one raw mail into a note, a request, or nothing (skipped or refused, with the reason kept).
    Never raises for what the mail says: a mail the request service refuses is recorded as refused."""
    mail = parse(raw)
    record = InboundMail(mailbox_id=mailbox.id if mailbox else None, message_id=mail.message_id,
                         sender=mail.sender[:255], subject=mail.subject, received_at=utcnow())
    reason = loops.why_skip(mail.message, mail.sender) if settings.get("inbound_loop_protection") else None
    if reason is None and not mail.sender:
        reason = "no sender address"
    if reason is not None:
        record.outcome, record.reason = SKIPPED, reason
        db.session.add(record)
        db.session.flush()
        return record
    try:
        with db.session.begin_nested():  # a refusal undoes the half-written request, not the record
            _act(mailbox, mail, record)
    except (ValidationFailed, Conflict) as exc:
        errors = getattr(exc, "errors", None) or [("", str(exc))]
        record.outcome, record.reason = REFUSED, "; ".join(reason for _, reason in errors)[:2000]
    db.session.add(record)  # added last: it is the outcome, and it outlives a refusal's rollback
    db.session.flush()
    return record


def _act(mailbox: Mailbox | None, mail: Parsed, record: InboundMail) -> None:
    req = tokens.find_request(mail.recipients, mail.subject)
    if req is not None:
        requests.add_customer_update(req, answer_text(mail.text) or "(no text)", _allowed(mail.uploads))
        record.outcome, record.request_id = NOTE, req.id
        record.reason = "" if mail.sender == req.email else f"sent from {mail.sender}, not the request's address"
        return
    first, _, last = mail.sender_name.partition(" ")
    data = requests.RequestInput(note=mail.text.strip(), email=mail.sender, first_name=first, last_name=last,
                                 title=mail.subject, category_id=mailbox.category_id if mailbox else None,
                                 opened_via=VIA_EMAIL)
    req = requests.create_request(data, _allowed(mail.uploads), notify_customer=False)
    record.outcome, record.request_id = NEW_REQUEST, req.id
    if req.status_id != STATUS_SPAM and settings.get("auto_reply") \
            and auto_replies_today(mail.sender) < settings.get("auto_replies_per_day"):
        requests.mail_access_key(req)
        record.auto_replied = True


def _allowed(uploads):
    return uploads if settings.get("allow_uploads") else []
