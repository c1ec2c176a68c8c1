"""Who on the staff is emailed about a request, and their choices.

A notification is a mail in the outbox, written in the transaction of the change it tells of (sent once it
commits, never if it rolls back). Nobody is told of their own action, nor of a request judged spam, and nobody
of a request in a category they may not see (portal.requests.categories). Staff following a request
(portal.requests.subscriptions) are told when its customer answers and when a colleague adds a note. Each mail
carries ``List-Unsubscribe`` with a one-click link that turns that kind off (RFC 8058). Staff addresses are
confirmed accounts, so the mail may quote what the customer wrote.
"""
import hashlib

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as N_
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select

from .. import i18n, mail, settings
from ..accounts.models import Staff
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..requests.categories import may_see
from ..requests.models import STATUS_SPAM, Category, Note, Request
from ..text import strip_tags
from ..urls import external_url
from .models import (
    ASSIGNED,
    CUSTOMER_UPDATE,
    FOLLOWED,
    KINDS,
    NAMED,
    NEW_REQUEST,
    FollowedCategory,
    NotificationPreference,
)

EXCERPT = 2000  # characters of the customer's text quoted in a notification
# (lazy: each mail is written in its reader's language, each page in the viewer's)
WHAT = {
    NEW_REQUEST: N_("A new request arrived in a category you follow"),
    ASSIGNED: N_("A request was assigned to you"),
    CUSTOMER_UPDATE: N_("The customer answered a request"),
    NAMED: N_("You were asked to look at a request"),
    FOLLOWED: N_("A request you follow was updated"),
}
FOLLOWED_CUSTOMER = N_("The customer answered a request you follow")
FOLLOWED_NOTE = N_("A colleague added a note to a request you follow")
LABELS = {
    NEW_REQUEST: N_("New requests in the categories I follow"),
    ASSIGNED: N_("Requests assigned to me by someone else"),
    CUSTOMER_UPDATE: N_("Customers' answers on requests assigned to me (unassigned: in categories I follow)"),
    NAMED: N_("Requests I am named on by an API call (email_staff)"),
    FOLLOWED: N_("Requests I follow: the customer's answers and colleagues' notes"),
}


# ------------------------------------------------------------------------------------------ choices

def preferences(staff: Staff) -> NotificationPreference:
    """The staff member's choices: their row, or every kind on when they never chose."""
    row = db.session.get(NotificationPreference, staff.id)
    return row if row is not None else NotificationPreference(staff_id=staff.id, **{kind: True for kind in KINDS})


def followed_category_ids(staff: Staff) -> set[int]:
    return set(db.session.scalars(select(FollowedCategory.category_id).where(FollowedCategory.staff_id == staff.id)))


def save_preferences(staff: Staff, kinds: set[str], category_ids: set[int]) -> NotificationPreference:
    """Store the kinds a staff member wants and the categories they follow (their own only: the caller
    passes the logged-in staff member). Raises ValidationFailed for an unknown kind or category."""
    if unknown := kinds - set(KINDS):
        raise ValidationFailed(("kinds", gettext("Unknown notification: %(kinds)s.",
                                                         kinds=", ".join(sorted(unknown)))))
    found = set(db.session.scalars(select(Category.id).where(Category.id.in_(category_ids),
                                                             Category.deleted.is_(False)))) if category_ids else set()
    if found != category_ids:
        raise ValidationFailed(("categories", gettext("Please choose among the listed categories.")))
    row = db.session.get(NotificationPreference, staff.id)
    if row is None:
        row = NotificationPreference(staff_id=staff.id)
        db.session.add(row)
    for kind in KINDS:
        setattr(row, kind, kind in kinds)
    current = followed_category_ids(staff)
    for category_id in current - category_ids:
        db.session.delete(db.session.get(FollowedCategory, (staff.id, category_id)))
    db.session.add_all(FollowedCategory(staff_id=staff.id, category_id=c) for c in category_ids - current)
    db.session.flush()
    return row


# ------------------------------------------------------------------------------------------ unsubscribing

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico-staff-notifications",
                             signer_kwargs={"digest_method": hashlib.sha256})


def unsubscribe_url(staff: Staff, kind: str) -> str:
    return external_url("staff.stop_notifications", token=_serializer().dumps([staff.id, kind]))


def stop_target(token: str) -> tuple[Staff, str]:
    """The staff member and kind an unsubscribe link names. Raises NotFound for a link not ours."""
    try:
        staff_id, kind = _serializer().loads(token or "")
    except (BadData, TypeError, ValueError):
        raise NotFound(gettext("This unsubscribe link is not valid.")) from None
    staff = db.session.get(Staff, staff_id) if isinstance(staff_id, int) else None
    if staff is None or kind not in KINDS:
        raise NotFound(gettext("This unsubscribe link is not valid."))
    return staff, kind


def stop(token: str) -> tuple[Staff, str]:
    """Turn off the kind of mail an unsubscribe link names (already off is fine). Raises NotFound."""
    staff, kind = stop_target(token)
    kinds = {k for k in KINDS if getattr(preferences(staff), k)} - {kind}
    save_preferences(staff, kinds, followed_category_ids(staff))
    return staff, kind


# ------------------------------------------------------------------------------------------ telling staff

def _wants(people: list[Staff | None], kind: str, req: Request) -> list[Staff]:
    """Those of ``people`` who may work on requests, may see this one's category and have ``kind`` on (one
    query for the choices)."""
    able = [p for p in people if p is not None and p.can("requests") and p.email and may_see(p, req)]
    if not able:
        return []
    rows = {row.staff_id: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.staff_id.in_([p.id for p in able])))}
    return [p for p in able if getattr(rows.get(p.id), kind, True)]


def _followers(category_id: int | None) -> list[Staff | None]:
    if not category_id:
        return []
    return list(db.session.scalars(select(Staff).join(FollowedCategory, FollowedCategory.staff_id == Staff.id)
                                   .where(FollowedCategory.category_id == category_id, Staff.active.is_(True))
                                   .order_by(Staff.id)))


def _text(note: Note | None) -> str:
    if note is None:
        return ""
    text = strip_tags(note.body) if note.is_html else note.body
    return text[:EXCERPT] + ("..." if len(text) > EXCERPT else "")


def _send(people: list[Staff | None], kind: str, req: Request, note: Note | None, actor: Staff | None, *,
          what=None, seen: set[int] | None = None) -> int:
    """Mail each of ``people`` once (not the one who acted, nor anyone in ``seen``, which gains those
    mailed). Returns how many mails were queued."""
    db.session.flush()  # a new request needs its id
    sent = 0
    seen = set() if seen is None else seen
    if actor is not None:
        seen.add(actor.id)
    what = what or WHAT[kind]
    link = external_url("staff.request_page", request_id=req.id)
    for person in _wants(people, kind, req):
        if person.id in seen:
            continue
        seen.add(person.id)
        stop_link = unsubscribe_url(person, kind)
        language = i18n.staff_mail_locale(person)
        with force_locale(language):
            said = str(what)
        mail.send_after_commit(
            person.email, f"[{settings.get('portal_name')}] {said}: #{req.id} {req.title or ''}".strip(),
            "staff_notification", locale=language, what=said, number=req.id, request_title=req.title,
            customer=req.display_name,
            category=req.category.name if req.category else "", text=_text(note), link=link,
            actor=actor.full_name if actor is not None else "", unsubscribe=stop_link,
            headers={"List-Unsubscribe": f"<{stop_link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        sent += 1
    return sent


def request_created(req: Request, note: Note | None, actor: Staff | None = None) -> None:
    """A new request: its category's followers, and whoever it went to on arrival."""
    if req.status_id == STATUS_SPAM:
        return
    _send(_followers(req.category_id), NEW_REQUEST, req, note, actor)
    if req.assigned_to_id:
        _send([db.session.get(Staff, req.assigned_to_id)], ASSIGNED, req, note, actor)


def assigned(req: Request, person: Staff | None, actor: Staff | None) -> None:
    if person is not None and req.status_id != STATUS_SPAM:
        _send([person], ASSIGNED, req, None, actor)


def customer_updated(req: Request, note: Note) -> None:
    """The customer answered: the assignee, or when nobody is assigned, the category's followers; then the
    request's own followers (one mail each: who was already told is not told again)."""
    from ..requests.subscriptions import subscribers  # subscriptions imports workflow: a cycle at import time

    if req.status_id == STATUS_SPAM:
        return
    people: list[Staff | None] = ([db.session.get(Staff, req.assigned_to_id)] if req.assigned_to_id
                                  else list(_followers(req.category_id)))
    told: set[int] = set()
    _send(people, CUSTOMER_UPDATE, req, note, None, seen=told)
    _send(list(subscribers(req.id)), FOLLOWED, req, note, None, what=FOLLOWED_CUSTOMER, seen=told)


def staff_noted(req: Request, note: Note, actor: Staff) -> None:
    """A staff member added a reply or a private note: the request's followers, but not its writer."""
    from ..requests.subscriptions import subscribers

    if req.status_id == STATUS_SPAM:
        return
    _send(list(subscribers(req.id)), FOLLOWED, req, note, actor, what=FOLLOWED_NOTE)


def parse_staff_ids(raw: str) -> list[Staff | None]:
    """``email_staff``: staff ids separated by commas. Raises ValidationFailed naming one not found."""
    people: list[Staff | None] = []
    for part in (p.strip() for p in (raw or "").split(",")):
        if not part:
            continue
        person = db.session.get(Staff, int(part)) if part.isascii() and part.isdigit() and len(part) < 10 else None
        if person is None or not person.can("requests"):
            raise ValidationFailed(("email_staff", gettext("No staff member %(part)s who works on requests.",
                                                           part=part)))
        people.append(person)
    return people


def named(req: Request, people: list[Staff | None], note: Note | None, actor: Staff | None) -> int:
    """Staff an API call named in ``email_staff``. Returns how many were mailed."""
    if req.status_id == STATUS_SPAM:
        return 0
    if not isinstance(actor, Staff):
        raise Forbidden()
    return _send(people, NAMED, req, note, actor)
