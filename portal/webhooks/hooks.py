"""Storing REST hook subscriptions (Zapier's): the rules. They are delivered through the outbox like the
administrators' endpoints (``portal.webhooks.services.emit``: one ``webhook`` job per subscription to an event
or its DeskPRO alias, ``HOOK_ALIASES``), with the same SSRF check, retries and dead state.

A subscription belongs to the key that made it, and acts as that key's staff member. Staff see and delete
the subscriptions of their own keys; administrators everyone's. Functions flush, never commit.
"""
import re
from urllib.parse import urlsplit

from flask_babel import gettext

from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .models import HookSubscription

MAX_URL = 2000
EVENT = re.compile(r"[a-z][a-z0-9_.:-]{0,99}")
MAX_PER_KEY = 100


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url) if len(url) <= MAX_URL else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValidationFailed(("target_url", gettext("Give an http or https address of at most %(max_url)s "
                                                      "characters.", max_url=MAX_URL)))
    return url


def check_event(event: str) -> str:
    event = (event or "").strip().lower()
    if not EVENT.fullmatch(event):
        raise ValidationFailed(("event", gettext("Give the event's name: letters, digits, dots and underscores.")))
    return event


def subscribe(key, *, target_url: str, event: str, source: str = "zapier") -> HookSubscription:
    """Store a subscription for ``key`` (an ApiKey). The same URL and event twice is one subscription.
    Raises ValidationFailed."""
    problems = []
    for check, value in ((check_url, target_url), (check_event, event)):
        try:
            check(value)
        except ValidationFailed as exc:
            problems.extend(exc.errors)
    if problems:
        raise ValidationFailed(*problems)
    url, name = check_url(target_url), check_event(event)
    existing = db.session.execute(db.select(HookSubscription).where(
        HookSubscription.api_key_id == key.id, HookSubscription.target_url == url,
        HookSubscription.event == name)).scalar_one_or_none()
    if existing is not None:
        return existing
    held = db.session.scalar(db.select(db.func.count(HookSubscription.id))
                             .where(HookSubscription.api_key_id == key.id))
    if held >= MAX_PER_KEY:
        raise ValidationFailed(("target_url", gettext("A key holds at most %(max_per_key)s subscriptions.",
                                                      max_per_key=MAX_PER_KEY)))
    row = HookSubscription(api_key_id=key.id, staff_id=key.staff_id, source=source, event=name, target_url=url)
    db.session.add(row)
    db.session.flush()
    return row


def _mine(staff):
    query = db.select(HookSubscription)
    if not staff.can("admin"):
        query = query.where(HookSubscription.staff_id == staff.id)
    return query


def subscriptions(staff, *, source: str | None = None) -> list[HookSubscription]:
    query = _mine(staff)
    if source:
        query = query.where(HookSubscription.source == source)
    return list(db.session.execute(query.order_by(HookSubscription.id)).scalars())


def get(staff, subscription_id: int) -> HookSubscription:
    """One of the staff member's subscriptions (anyone's for administrators). Raises NotFound."""
    row = db.session.execute(_mine(staff).where(HookSubscription.id == subscription_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(gettext("No such subscription."))
    return row


def unsubscribe(staff, subscription_id: int) -> None:
    db.session.delete(get(staff, subscription_id))
    db.session.flush()


def for_event(event: str) -> list[HookSubscription]:
    """Every subscription to ``event`` (for the deliverer)."""
    return list(db.session.execute(db.select(HookSubscription).where(HookSubscription.event == event)
                                   .order_by(HookSubscription.id)).scalars())
