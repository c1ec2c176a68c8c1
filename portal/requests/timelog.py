"""Time staff log on requests (HelpSpot's time tracker): add, list, delete, totals.

Functions flush, never commit. Raises ValidationFailed for a bad duration or date, Forbidden without the
``requests`` right, NotFound for an unknown time event.
"""
import re
from datetime import date, datetime, timedelta

from flask_babel import gettext

from ..accounts.models import Staff
from ..dates import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..text import without_controls
from .models import Request
from .services import add_log
from .workflow import require
from .workspace_models import TimeEvent

MAX_SECONDS = 24 * 3600 * 7  # one event is at most a week of work: a typo (250 for 2:50) is refused
_HOURS_MINUTES = re.compile(r"^([0-9]{1,4}):([0-5]?[0-9])$")
_DECIMAL_HOURS = re.compile(r"^([0-9]{1,4})(?:[.,]([0-9]{1,4}))?$|^[.,]([0-9]{1,4})$")


def parse_duration(text: str) -> int:
    """``2:30`` (hours:minutes) or ``2.5`` (decimal hours) as seconds. Raises ValidationFailed."""
    raw = (text or "").strip()
    if match := _HOURS_MINUTES.match(raw):
        seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60
    elif _DECIMAL_HOURS.match(raw):
        seconds = round(float(raw.replace(",", ".")) * 3600)
    else:
        raise ValidationFailed(("time", gettext("Give the time as hours:minutes (2:30) or decimal hours (2.5).")))
    if seconds <= 0:
        raise ValidationFailed(("time", gettext("The time must be more than zero.")))
    if seconds > MAX_SECONDS:
        raise ValidationFailed(("time", gettext("One time entry can be at most a week (168 hours).")))
    return seconds


def format_duration(seconds: int) -> str:
    """Seconds as ``h:mm``."""
    minutes = (seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def work_day(year: int | None, month: int | None, day: int | None) -> date:
    """The day the work was done; today when none is given. Raises ValidationFailed."""
    if year is None and month is None and day is None:
        return utcnow().date()
    try:
        return date(year or 0, month or 0, day or 0)
    except (ValueError, TypeError):
        raise ValidationFailed(("date", gettext("That is not a valid date."))) from None


def add_time(req: Request, staff, *, duration: str, description: str = "", work_date: date | None = None,
             billable: bool = False, person: Staff | None = None, added_at: datetime | None = None) -> TimeEvent:
    """Log time on a request, for ``person`` (another staff member) or the acting staff member."""
    require(staff)
    seconds = parse_duration(duration)
    person = person or staff
    if not person.can("requests"):
        raise ValidationFailed(("person", gettext("Time can only be logged for staff who handle requests.")))
    description = without_controls(description or "").strip()[:2000]
    event = TimeEvent(request_id=req.id, staff_id=person.id, seconds=seconds, description=description,
                      work_date=work_date or utcnow().date(), billable=bool(billable),
                      created_at=added_at or utcnow())
    db.session.add(event)
    add_log(req, f"Logged {format_duration(seconds)} for {person.full_name}", staff)
    db.session.flush()
    return event


def time_events(req: Request) -> list[TimeEvent]:
    """A request's time events, oldest work first, with their staff (one extra query)."""
    from sqlalchemy.orm import selectinload

    return list(db.session.execute(
        db.select(TimeEvent).where(TimeEvent.request_id == req.id).options(selectinload(TimeEvent.staff))
        .order_by(TimeEvent.work_date, TimeEvent.id)).scalars())


def delete_time(event_id: int, staff) -> TimeEvent:
    """Delete a time event: its own staff member or an administrator may. Raises NotFound, Forbidden."""
    require(staff)
    event = db.session.get(TimeEvent, event_id) if event_id else None
    if event is None:
        raise NotFound(gettext("That time entry does not exist."))
    if event.staff_id != staff.id and not staff.can("admin"):
        raise Forbidden(gettext("Only the person who logged this time, or an administrator, may delete it."))
    req = db.session.get(Request, event.request_id)
    if req is not None:
        add_log(req, f"Deleted a time entry of {format_duration(event.seconds)}", staff)
    db.session.delete(event)
    db.session.flush()
    return event


def total_seconds(request_id: int) -> int:
    return db.session.scalar(db.select(db.func.coalesce(db.func.sum(TimeEvent.seconds), 0))
                             .where(TimeEvent.request_id == request_id)) or 0


def dashboard_totals(staff, *, today: date | None = None) -> dict[str, int]:
    """Seconds logged in the last 7 days (work dates): by ``staff``, and by everyone."""
    since = (today or utcnow().date()) - timedelta(days=6)
    rows = db.session.execute(
        db.select(TimeEvent.staff_id, db.func.sum(TimeEvent.seconds)).where(TimeEvent.work_date >= since)
        .group_by(TimeEvent.staff_id)).all()
    return {"mine": sum(total for staff_id, total in rows if staff_id == staff.id),
            "everyone": sum(total for _, total in rows)}


SEARCH_COLUMNS = {"sUserId": Request.user_id, "sEmail": Request.email, "sFirstName": Request.first_name,
                  "sLastName": Request.last_name, "fOpen": Request.is_open, "xStatus": Request.status_id,
                  "fOpenedVia": Request.opened_via, "xCategory": Request.category_id, "fUrgent": Request.urgent,
                  "xPersonAssignedTo": Request.assigned_to_id, "xPersonOpenedBy": Request.opened_by_id}


def search(staff, *, criteria: dict[str, str], start_time: int | None = None, end_time: int | None = None,
           newest_first: bool = True, start: int = 0, length: int = 1000) -> list[tuple[TimeEvent, Request]]:
    """Time events whose request matches every criterion (HelpSpot's timetracker.search), logged between
    ``start_time`` (default 30 days back; 0 for all time) and ``end_time`` (default now), unix seconds."""
    from sqlalchemy.orm import selectinload

    from ..dates import from_unix
    from .categories import visible_condition

    require(staff)
    query = (db.select(TimeEvent, Request).join(Request, Request.id == TimeEvent.request_id)
             .where(visible_condition(staff)).options(selectinload(TimeEvent.staff)))
    for name, raw in criteria.items():
        column = SEARCH_COLUMNS[name]
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else -1  # -1 matches no row
        if name == "fOpenedVia":  # a channel code, not a flag: an integer column on PostgreSQL
            query = query.where(column == number)
        elif name.startswith("f"):
            query = query.where(column == (raw != "0"))
        elif name.startswith("x"):
            query = query.where(column == number)
        else:
            query = query.where(column == (raw.lower() if name == "sEmail" else raw))
    since = utcnow() - timedelta(days=30) if start_time is None else (from_unix(start_time) if start_time else None)
    if since is not None:
        query = query.where(TimeEvent.created_at >= since)
    if end_time:
        query = query.where(TimeEvent.created_at <= from_unix(end_time))
    order = TimeEvent.work_date.desc() if newest_first else TimeEvent.work_date.asc()
    query = query.order_by(order, TimeEvent.id).offset(start).limit(min(max(length, 1), 1000))
    return [(event, req) for event, req in db.session.execute(query).all()]
