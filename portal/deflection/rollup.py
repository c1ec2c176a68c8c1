"""Old deflection events become weekly counts: what was counted stays, which visit did it goes."""
from datetime import timedelta

from sqlalchemy import delete, func, text

from .. import settings, unit_of_work
from ..dates import utcnow
from ..extensions import db
from .events import week_of
from .models import DeflectionEvent, DeflectionWeek

GROUP = ("week", "kind", "form", "category_id", "target_kind", "target_id")
LOCK = 7_301_804  # PostgreSQL advisory lock: one roll-up at a time, whichever worker or command runs it


def roll_up(keep_days: int) -> int:
    """Count the events of every week that ended more than ``keep_days`` days ago into DeflectionWeek
    rows (added to rows already there) and delete them. Returns how many events were rolled up (0 while
    another transaction is rolling up: both would count the same events)."""
    if db.session.get_bind().dialect.name == "postgresql" and not db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK}):
        return 0
    before = week_of(utcnow() - timedelta(days=keep_days))  # whole weeks only
    keys = [getattr(DeflectionEvent, name) for name in GROUP]
    groups = db.session.execute(db.select(*keys, func.count(DeflectionEvent.id))
                                .where(DeflectionEvent.week < before).group_by(*keys)).all()
    if not groups:
        return 0
    existing = {tuple(getattr(row, name) for name in GROUP): row for row in db.session.scalars(
        db.select(DeflectionWeek).where(DeflectionWeek.week.in_({g[0] for g in groups})))}
    rolled = 0
    for *key, count in groups:
        row = existing.get(tuple(key))
        if row is None:
            db.session.add(DeflectionWeek(**dict(zip(GROUP, key, strict=True)), count=count))
        else:
            row.count += count
        rolled += count
    db.session.execute(delete(DeflectionEvent).where(DeflectionEvent.week < before))
    db.session.flush()
    return rolled


def scheduled() -> str | None:
    """The worker's periodic roll-up (portal.outbox.worker.PERIODIC, every DEFLECTION_ROLLUP_EVERY seconds),
    keeping the deflection_keep_days setting; a unit of work of its own. A line to log when it did any."""
    with unit_of_work.task("the worker rolls up old deflection events"):
        rolled = roll_up(int(settings.get("deflection_keep_days")))
    return f"{rolled} deflection events rolled up into weekly counts" if rolled else None
