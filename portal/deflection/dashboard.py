"""The staff dashboard's figures over a chosen range: requests opened and closed per day, the backlog,
median times to first reply and to close, the deflection rate and knowledge-book votes.

Every figure is an aggregate query (per-day counts grouped in the database; medians found with ORDER BY
and OFFSET rather than by reading every duration), so the page stays fast at 100,000 requests."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_decimal, gettext
from sqlalchemy import and_, func, select

from ..dates import utcnow
from ..extensions import db
from ..kb.models import PageVote
from ..requests.models import Request
from . import report

RANGES = (7, 30, 90)
CACHE_TTL = 60.0  # seconds the staff dashboard shows the same figures (portal.staff.auth)


@dataclass
class Day:
    day: date
    opened: int = 0
    closed: int = 0
    backlog: int = 0
    helpful: int = 0
    not_helpful: int = 0


@dataclass
class Figures:
    days: int
    rows: list[Day]
    first_reply_seconds: float | None
    close_seconds: float | None
    deflection_rate: float | None
    answered: int
    shown: int

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.rows)


def _day(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _per_day(column, since: datetime, *where) -> dict[date, int]:
    day = func.date(column)
    rows = db.session.execute(select(day, func.count()).where(column >= since, *where).group_by(day))
    return {_day(value): count for value, count in rows}


def _seconds(later, earlier):
    """Seconds between two timestamp expressions, in this database's dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _median(value, *where) -> float | None:
    """The median of ``value`` over the requests matching ``where``: PostgreSQL's percentile_cont; elsewhere a
    count, then one ordered read at the middle offset."""
    if db.session.get_bind().dialect.name == "postgresql":
        found = db.session.scalar(select(func.percentile_cont(0.5).within_group(value)).select_from(Request)
                                  .where(*where))
        return None if found is None else float(found)
    count = db.session.scalar(select(func.count()).select_from(Request).where(*where)) or 0
    if not count:
        return None
    middle = db.session.scalars(select(value).select_from(Request).where(*where).order_by(value)
                                .offset((count - 1) // 2).limit(1 if count % 2 else 2)).all()
    return float(sum(middle)) / len(middle)


def figures(days: int) -> Figures:
    """The dashboard's figures for the last ``days`` days (today included)."""
    days = days if days in RANGES else 30
    today = utcnow().date()
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, datetime.min.time())
    # "IS NOT TRUE", not "IS FALSE": SQLite would walk the queue index (trashed first) instead of the date ones.
    live = Request.trashed.is_not(True)
    opened = _per_day(Request.opened_at, since, live)
    closed = _per_day(Request.closed_at, since, live, Request.is_open.is_not(True))
    helpful = _per_day(PageVote.created_at, since, PageVote.helpful.is_(True))
    not_helpful = _per_day(PageVote.created_at, since, PageVote.helpful.is_(False))
    # The backlog before the range: opened before it and not closed before it (closed_at is None when open).
    # (Two counts that each read an index range: open now, and closed within the range.)
    backlog = (db.session.scalar(select(func.count(Request.id)).where(
        live, Request.is_open.is_(True), Request.opened_at < since)) or 0) + (
        db.session.scalar(select(func.count(Request.id)).where(
            live, Request.is_open.is_not(True), Request.closed_at >= since,
            func.coalesce(Request.opened_at, Request.opened_at) < since)) or 0)  # not the opened_at index
    rows = []
    for n in range(days):
        day = start + timedelta(days=n)
        backlog += opened.get(day, 0) - closed.get(day, 0)
        rows.append(Day(day, opened.get(day, 0), closed.get(day, 0), max(backlog, 0), helpful.get(day, 0),
                        not_helpful.get(day, 0)))
    in_range = and_(live, Request.opened_at >= since)
    # Request.first_reply_at is kept by add_note (and backfilled by deflect_0010): no note is read.
    first_reply = _median(_seconds(Request.first_reply_at, Request.opened_at), in_range,
                          Request.first_reply_at.is_not(None))
    to_close = _median(_seconds(Request.closed_at, Request.opened_at), in_range, Request.is_open.is_not(True),
                       Request.closed_at.is_not(None))
    deflection = report.total(report.weekly(max(1, -(-days // 7))))
    return Figures(days, rows, first_reply, to_close, deflection.rate, deflection.counts["answered"],
                   deflection.counts["shown"])


def readable(seconds: float | None) -> str:
    """A duration as staff say it: "40 min", "3.5 h", "2.1 days"; "–" when there is none."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return gettext("%(n)s min", n=max(1, round(seconds / 60)))
    if seconds < 48 * 3600:
        return gettext("%(n)s h", n=format_decimal(seconds / 3600, "0.0"))
    return gettext("%(n)s days", n=format_decimal(seconds / 86400, "0.0"))
