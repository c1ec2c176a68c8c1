"""Old deflection events become weekly counts: what was counted stays, which visit did it goes."""
from datetime import timedelta

from sqlalchemy import delete, func

from ..dates import utcnow
from ..extensions import db
from .events import week_of
from .models import DeflectionEvent, DeflectionWeek

GROUP = ("week", "kind", "form", "category_id", "target_kind", "target_id")


def roll_up(keep_days: int) -> int:
    """Count the events of every week that ended more than ``keep_days`` days ago into DeflectionWeek
    rows (added to rows already there) and delete them. Returns how many events were rolled up."""
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
