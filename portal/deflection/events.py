"""Recording deflection events: what a customer on the request or new-topic form was shown, opened and
found answered, and whether a request (or topic) followed. Each event counts once per visit and target.

A visit is a random token signed with the secret key, made when the customer starts typing (the first
suggestion call): only visits this server started are counted, and a forged token records nothing."""
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from flask import current_app

from ..dates import utcnow
from ..extensions import db
from .models import FORMS, DeflectionEvent

TARGETS = ("page", "topic")


def week_of(moment: datetime | date) -> date:
    """The Monday of the week ``moment`` falls in (weeks are counted Monday to Sunday, UTC)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _signature(raw: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"deflection-visit:" + raw.encode(), hashlib.sha256).hexdigest()[:16]


def new_visit() -> str:
    raw = secrets.token_urlsafe(12)
    return f"{raw}.{_signature(raw)}"


def checked_visit(token: str | None) -> str | None:
    """``token`` when this server made it, else None."""
    raw, _, signature = (token or "").partition(".")
    if not raw or len(token or "") > 40 or not hmac.compare_digest(signature, _signature(raw)):
        return None
    return token


def form_name(raw: str | None) -> str:
    return raw if raw in FORMS else "request"


def record(visit: str | None, kind: str, form: str, category_id: int | None = None,
           target: tuple[str, int] = ("", 0)) -> bool:
    """Count ``kind`` for the visit (once per visit and target); False when not counted (no valid visit,
    or counted before). Flushes, never commits."""
    visit = checked_visit(visit)
    if visit is None:
        return False
    target_kind, target_id = target
    seen = db.session.scalar(db.select(DeflectionEvent.id).where(
        DeflectionEvent.visit == visit, DeflectionEvent.kind == kind,
        DeflectionEvent.target_kind == target_kind, DeflectionEvent.target_id == target_id).limit(1))
    if seen is not None:
        return False
    now = utcnow()
    db.session.add(DeflectionEvent(visit=visit, kind=kind, form=form_name(form), category_id=category_id,
                                   target_kind=target_kind, target_id=target_id, week=week_of(now),
                                   created_at=now))
    db.session.flush()
    return True


def saw_suggestions(visit: str | None) -> bool:
    visit = checked_visit(visit)
    return visit is not None and db.session.scalar(db.select(DeflectionEvent.id).where(
        DeflectionEvent.visit == visit, DeflectionEvent.kind == "shown").limit(1)) is not None


def submitted(visit: str | None, form: str, category_id: int | None) -> bool:
    """A request or topic was sent in a visit: counted only when suggestions had been shown in it."""
    if not saw_suggestions(visit):
        return False
    return record(visit, "submitted", form, category_id)
