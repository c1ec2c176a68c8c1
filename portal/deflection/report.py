"""What the staff deflection page shows, from aggregate queries over the events and their roll-up."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func

from ..dates import utcnow
from ..extensions import db
from ..forums.models import Forum, Topic
from ..kb.models import Page
from ..requests.models import Category
from .events import week_of
from .models import KINDS, DeflectionEvent, DeflectionWeek


@dataclass
class Figures:
    """Counts of each event kind; the deflection rate is answered visits per visit shown suggestions."""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def rate(self) -> float | None:
        shown = self.counts["shown"]
        return self.counts["answered"] / shown if shown else None


def _grouped(since: date, *columns, where=()) -> dict[tuple, int]:
    """Counts grouped by ``columns`` (names shared by both tables), live events and rolled-up weeks added."""
    totals: dict[tuple, int] = defaultdict(int)
    sources = ((DeflectionEvent, func.count(DeflectionEvent.id)), (DeflectionWeek, func.sum(DeflectionWeek.count)))
    for model, amount in sources:
        keys = [getattr(model, name) for name in columns]
        conditions = [model.week >= since] + [getattr(model, name) == value for name, value in where]
        for row in db.session.execute(db.select(*keys, amount).where(*conditions).group_by(*keys)):
            totals[tuple(row[:-1])] += int(row[-1] or 0)
    return totals


def weekly(weeks: int = 12) -> list[tuple[date, Figures]]:
    """The last ``weeks`` weeks, newest first."""
    this_week = week_of(utcnow())
    since = this_week - timedelta(weeks=weeks - 1)
    by_week = {since + timedelta(weeks=n): Figures() for n in range(weeks)}
    for (week, kind), count in _grouped(since, "week", "kind").items():
        if week in by_week and kind in KINDS:
            by_week[week].counts[kind] += count
    return sorted(by_week.items(), reverse=True)


def total(rows: list[tuple[date, Figures]]) -> Figures:
    figures = Figures()
    for _, week in rows:
        for kind, count in week.counts.items():
            figures.counts[kind] += count
    return figures


def by_category(weeks: int = 12) -> list[tuple[str, str, Figures]]:
    """(form, category or forum name, figures) for every category with events, most shown first."""
    since = week_of(utcnow()) - timedelta(weeks=weeks - 1)
    rows: dict[tuple, Figures] = defaultdict(Figures)
    for (form, category_id, kind), count in _grouped(since, "form", "category_id", "kind").items():
        if kind in KINDS:
            rows[(form, category_id)].counts[kind] += count
    names = _names(Category, [c for f, c in rows if f == "request" and c])
    forums = _names(Forum, [c for f, c in rows if f == "topic" and c])
    listed = [(form, (names if form == "request" else forums).get(category_id, "(none)" if not category_id
                                                                    else f"#{category_id} (deleted)"), figures)
              for (form, category_id), figures in rows.items()]
    return sorted(listed, key=lambda row: (-row[2].counts["shown"], row[0], row[1]))


def top_answers(weeks: int = 12, limit: int = 10) -> list[dict]:
    """The pages and topics that most often answered a question, with how often they were opened."""
    since = week_of(utcnow()) - timedelta(weeks=weeks - 1)
    answered = _grouped(since, "target_kind", "target_id", where=[("kind", "answered")])
    best = sorted(answered.items(), key=lambda item: (-item[1], item[0]))[:limit]
    opened = _grouped(since, "target_kind", "target_id", where=[("kind", "opened")])
    pages = _names(Page, [i for (k, i), _ in best if k == "page"])
    topics = _names(Topic, [i for (k, i), _ in best if k == "topic"], column="title")
    return [{"kind": kind, "id": target_id, "title": (pages if kind == "page" else topics).get(target_id),
             "answered": count, "opened": opened.get((kind, target_id), 0)} for (kind, target_id), count in best]


def _names(model, ids, column: str = "name") -> dict[int, str]:
    if not ids:
        return {}
    name = getattr(model, column)
    return {row[0]: row[1] for row in db.session.execute(db.select(model.id, name).where(model.id.in_(set(ids))))}
