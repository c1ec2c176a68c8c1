"""Request rules shared by the portal form, the staff pages and the HelpSpot API.

Functions flush but never commit; the caller owns the single commit. Mail goes out after commit.
"""
import hmac
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import selectinload

from .. import cache, limits, mail, settings, spam
from .. import files as filestore
from ..accounts.services import ensure_customer, normalise_email
from ..dates import utcnow
from ..errors import Conflict, Merged, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import mail_gettext
from ..notifications import services as notifications
from ..text import clean_html, single_line, without_controls
from ..urls import external_url
from ..webhooks import events as webhook_events
from . import assignment
from . import fields as custom_fields
from .models import (
    AUTHOR_CUSTOMER,
    STATUS_ACTIVE,
    STATUS_SPAM,
    VIA_WEB_FORM,
    Attachment,
    Category,
    FieldValue,
    Note,
    Request,
    RequestMerge,
    Status,
)

_KEY_RE = re.compile(r"^(\d{1,11})([A-Za-z]+)$")
CONTACT_FIELDS = ("user_id", "first_name", "last_name", "email", "phone")


@dataclass
class RequestInput:
    """What a customer, a staff member or an API client sends to open a request."""

    note: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    user_id: str = ""
    title: str = ""
    urgent: bool = False
    category_id: int | None = None
    custom: dict[int, str] = field(default_factory=dict)
    note_is_html: bool = False
    opened_via: int = VIA_WEB_FORM


def new_password() -> str:
    """The letters of an access key: 20 random ASCII letters, mixed case (HelpSpot 5)."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(20))


def _category(category_id: int | None, *, public_only: bool) -> tuple[Category | None, list]:
    if not category_id:
        return None, []
    category = db.session.get(Category, category_id)
    if category is None or category.deleted or (public_only and not category.public_submit):
        return None, [("category", gettext("Please choose one of the listed categories."))]
    return category, []


def validate_request(data: RequestInput, uploads=(), *, public_only: bool = True,
                     skip_custom_checks: bool = False) -> tuple[Category | None, dict]:
    """Check a new request. Returns (category, custom values); raises ValidationFailed listing every problem."""
    errors: list[tuple[str, str]] = []
    for name, limit in (("first_name", 40), ("last_name", 40), ("phone", 40), ("user_id", 80), ("title", 255)):
        setattr(data, name, single_line(getattr(data, name))[:limit])  # no control characters: one line
    data.email, email_error = normalise_email(data.email)
    if email_error:
        errors.append(("email", email_error))
    elif len(data.email) > 100:
        errors.append(("email", gettext("The email address is too long.")))
    if not any(getattr(data, name) for name in CONTACT_FIELDS):
        errors.append(("email", gettext("You must provide some customer information")))
    if not (data.note or "").strip():
        errors.append(("note", gettext("You must have a note to create a request")))
    elif reason := limits.too_long(data.note, staff=not public_only, label=lazy_gettext("Your note")):
        errors.append(("note", reason))
    category, category_errors = _category(data.category_id, public_only=public_only)
    errors += category_errors
    values, field_errors = custom_fields.validate(category, data.custom, public_only=public_only,
                                                  skip_required=skip_custom_checks)
    errors += field_errors
    for upload in uploads:
        try:
            filestore.check_upload(upload)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    return category, values


def create_request(data: RequestInput, uploads=(), *, staff=None, public_only: bool = True,
                   check_spam: bool = True, skip_custom_checks: bool = False, note_public: bool = True,
                   status_id: int | None = None, assigned_to_id: int | None = None,
                   notify_customer: bool = True) -> Request:
    """Open a request with its initial note, custom-field values and attachments.

    Raises ValidationFailed. A request judged spam is kept with the Spam status and no auto-reply.
    """
    category, values = validate_request(data, uploads, public_only=public_only,
                                         skip_custom_checks=skip_custom_checks)
    body = data.note.strip()
    is_spam = check_spam and spam.is_spam(body, data.title)
    now = utcnow()
    req = Request(
        opened_via=data.opened_via, password=new_password(), title=data.title, user_id=data.user_id,
        first_name=data.first_name, last_name=data.last_name, email=data.email, phone=data.phone,
        urgent=bool(data.urgent), category_id=category.id if category else None,
        status_id=STATUS_SPAM if is_spam else (status_id or STATUS_ACTIVE),
        opened_by_id=staff.id if staff else None, opened_at=now, updated_at=now,
        assigned_to_id=None if is_spam else _first_assignee(category, assigned_to_id),
    )
    db.session.add(req)
    req.field_values = [FieldValue(field_id=fid, value=value) for fid, value in values.items() if value is not None]
    note = add_note(req, body, author_id=staff.id if staff else AUTHOR_CUSTOMER, staff=staff,
                     public=note_public, is_html=data.note_is_html, initial=True, uploads=uploads, when=now)
    if data.email:
        ensure_customer(data.email)
    db.session.flush()
    if (notify_customer and not is_spam and data.email and settings.get("auto_reply")
            and data.opened_via == VIA_WEB_FORM):
        _mail_access_key(req)
    req.initial_note = note
    if not is_spam:
        webhook_events.request_created(req)
        notifications.request_created(req, note, staff)
    return req


def _first_assignee(category: Category | None, assigned_to_id: int | None) -> int | None:
    """Who a new request goes to: the one named, else the category's default while requests may still be
    assigned to them (a default later made a moderator or deactivated leaves new requests unassigned).
    Raises ValidationFailed for a named person requests may not be assigned to."""
    if assigned_to_id:
        named = assignment.assignee(assigned_to_id)
        return named.id if named is not None else None
    default = category.default_staff if category is not None else None
    return default.id if default is not None and assignment.may_be_assigned(default) else None


def add_note(req: Request, body: str, *, author_id: int, staff=None, public: bool, is_html: bool,
              initial: bool = False, uploads=(), log: str = "", when=None) -> Note:
    limits.check(body, "note", staff=staff is not None, label=lazy_gettext("The note"))  # every way a note is written
    for upload in uploads:  # staff files too: a size limit and blocked types hold for everyone
        filestore.check_upload(upload)
    note = Note(request=req, author_id=author_id, staff=staff, is_public=public, is_initial=initial,
                is_html=is_html, body=clean_html(body) if is_html else without_controls(body), log=log,
                created_at=when or utcnow())
    db.session.add(note)
    for upload in uploads:
        try:
            digest = filestore.store(upload.data)
        except filestore.StorageError:
            raise ValidationFailed(("attachments", gettext(
                "Attachments cannot be saved right now. Please try again later, or send your message without "
                "them."))) from None
        name = filestore.safe_filename(upload.filename)
        note.attachments.append(Attachment(filename=name, mime_type=filestore.guess_mime(name),
                                           size=len(upload.data), sha256=digest))
    req.updated_at = note.created_at
    if public and staff is not None and not initial and (req.first_reply_at is None
                                                         or note.created_at < req.first_reply_at):
        req.first_reply_at = note.created_at  # the dashboard's time to first reply
    return note


def add_log(req: Request, text: str, staff=None) -> Note:
    """A private history line recording a change (status, category, assignment...)."""
    return add_note(req, "", author_id=staff.id if staff else -1, staff=staff, public=False, is_html=False,
                     log=text)


def parse_access_key(key: str) -> tuple[int, str] | None:
    match = _KEY_RE.match((key or "").strip())
    if not match:
        return None
    return int(match.group(1)), match.group(2)


def access_key_scopes(key: str) -> tuple[str, ...] | None:
    """What a reply opened by an access key (the request page, ``request.get``) depends on: its request's
    rows only. None for a key that names no request: not cached. Such replies are kept per exact key, so a
    wrong password never reaches a stored reply."""
    parsed = parse_access_key(key)
    return cache.request_scopes(parsed[0]) if parsed else None


def find_by_access_key(key: str) -> Request:
    """The request an access key opens. Raises NotFound, or Merged when the key's request was merged
    (only after its password matched, so merge targets never leak; ``survivor`` follows it)."""
    parsed = parse_access_key(key)
    if parsed is None:
        raise NotFound(gettext("This access key is not on file."))
    request_id, password = parsed
    req = db.session.get(Request, request_id)
    if req is not None:
        if hmac.compare_digest(req.password.encode(), password.encode()):
            return req
        raise NotFound(gettext("This access key is not on file."))
    merge = db.session.get(RequestMerge, request_id)
    if merge is not None and hmac.compare_digest(merge.old_password.encode(), password.encode()):
        raise Merged(merge.request_id)
    raise NotFound(gettext("This access key is not on file."))


def survivor(request_id: int | None) -> Request | None:
    """The request with this id or, when it was merged into another, the request it went into (the one
    that survived the merge); None when there is neither. The staff page and the private API follow a
    merged id with it; the portal follows a merged access key (``find_by_access_key``'s Merged)."""
    if not request_id:
        return None
    req = db.session.get(Request, request_id)
    if req is None:
        merge = db.session.get(RequestMerge, request_id)
        req = db.session.get(Request, merge.request_id) if merge is not None else None
    return req


def history(req: Request, viewer=None) -> list[Note]:
    """The notes of a request ``viewer`` may read, pinned first then newest first, with their attachments
    and authors (two IN queries): every note, private note and log line for staff with the ``requests``
    right; only the public notes for anyone else (a customer, an access key's or a link's holder)."""
    query = db.select(Note).where(Note.request_id == req.id)
    if not (getattr(viewer, "kind", None) == "staff" and viewer.can("requests")):
        query = query.where(Note.is_public.is_(True))
    query = (query.options(selectinload(Note.attachments), selectinload(Note.staff))
             .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc()))
    return list(db.session.execute(query).scalars())


def hidden_from_public(req: Request, viewer=None) -> bool:
    """A request closed longer ago than the setting allows is hidden unless its owner is logged in."""
    if req.is_open or req.closed_at is None:
        return False
    if viewer is not None and getattr(viewer, "kind", None) == "customer" and viewer.email == req.email:
        return False
    days = settings.get("closed_visible_days")
    return utcnow() - req.closed_at > timedelta(days=days)


def add_customer_update(req: Request, body: str, uploads=()) -> Note:
    """A customer's public note. Reopens a closed request and takes it out of the trash, unless staff
    marked it as spam: then the note is kept and the request stays Spam, closed and trashed.

    Raises ValidationFailed for an empty body or a bad file, Conflict at the history limit.
    """
    body = (body or "").strip()
    errors = [] if body else [("update", gettext("Please write your update."))]
    if reason := limits.too_long(body, label=lazy_gettext("Your update")):
        errors.append(("update", reason))
    for upload in uploads:
        try:
            filestore.check_upload(upload)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    count = db.session.scalar(db.select(db.func.count(Note.id)).where(Note.request_id == req.id))
    if count >= settings.get("max_request_history"):
        raise Conflict(gettext("Request history limit reached for this request"))
    # A spammer holding an access key must not bring the request back into the queue as Active. The
    # update is still kept (and answered as any other): a customer judged a spammer by mistake loses
    # nothing, staff read it when they review the spam, and the sender learns nothing from the reply.
    if req.status_id != STATUS_SPAM:
        if not req.is_open:
            reopen(req)
        if req.trashed:
            req.trashed, req.trashed_at = False, None
    note = add_note(req, body, author_id=AUTHOR_CUSTOMER, public=True, is_html=False, uploads=uploads)
    req.last_reply_by = AUTHOR_CUSTOMER
    db.session.flush()
    webhook_events.note_added(req, note)
    notifications.customer_updated(req, note)
    return note


def reopen(req: Request, staff=None) -> None:
    req.is_open, req.closed_at = True, None
    req.status_id = STATUS_ACTIVE
    req.opened_at = utcnow()
    add_log(req, "Request reopened", staff)


def requests_for_email_query(email: str):
    """The requests opened with an email, newest first (the API's customer.getRequests lists them all)."""
    return (db.select(Request).where(Request.email == (email or "").strip().lower())
            .options(selectinload(Request.category)).order_by(Request.opened_at.desc(), Request.id.desc()))


def active_statuses() -> list[Status]:
    return list(db.session.execute(db.select(Status).where(Status.active.is_(True))
                                   .order_by(Status.position, Status.id)).scalars())


def public_categories() -> list[Category]:
    query = (db.select(Category).where(Category.deleted.is_(False), Category.public_submit.is_(True))
             .options(selectinload(Category.field_links)).order_by(Category.name))
    return list(db.session.execute(query).scalars())


def request_url(req: Request) -> str:
    return external_url("requests.check", key=req.access_key)


def _mail_access_key(req: Request) -> None:
    from .access_links import mail_links  # access_links imports this module: a cycle at import time

    # Anyone can type anyone's address into the form: the mail quotes nothing the sender wrote (no name,
    # no subject), only the key and the link, so the help desk cannot be made to carry a stranger's text.
    mail.send_after_commit(req.email, mail_gettext("[%(portal)s] We received your request",
                                                    portal=settings.get("portal_name")),
                           "request_created", access_key=req.access_key, **mail_links(req),
                           headers={"Auto-Submitted": mail.AUTO_REPLIED})


mail_access_key = _mail_access_key  # portal.inbound: the auto-reply to a request that came by mail
