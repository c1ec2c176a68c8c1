"""Deflection events and their weekly roll-up, and the counts of searches that found nothing.

No personal data: a visit is a random token made when a customer starts typing on a form (it names no
one and is dropped when its events are rolled up); categories and pages are ids."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..dates import utcnow
from ..extensions import Model

KINDS = ("started", "shown", "opened", "answered", "submitted")
FORMS = ("request", "topic")


class DeflectionEvent(Model):
    """One thing that happened in one form visit, counted once per visit (and target)."""

    __tablename__ = "deflection_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))          # KINDS
    form: Mapped[str] = mapped_column(String(8))           # FORMS
    category_id: Mapped[int | None] = mapped_column(Integer)  # the request category, or the topic's forum
    target_kind: Mapped[str] = mapped_column(String(8), default="")  # "page", "topic" or "" (none)
    target_id: Mapped[int] = mapped_column(Integer, default=0)
    week: Mapped[date] = mapped_column(Date)               # the Monday of the week it happened in
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("visit", "kind", "target_kind", "target_id", name="uq_deflection_event_once"),
        Index("ix_deflection_event_week", "week", "kind"),
        Index("ix_deflection_event_target", "kind", "target_kind", "target_id"),
    )


class DeflectionWeek(Model):
    """Events of past weeks, counted (``flask deflection rollup``): what the staff page keeps for good."""

    __tablename__ = "deflection_week"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    form: Mapped[str] = mapped_column(String(8))
    category_id: Mapped[int | None] = mapped_column(Integer)
    target_kind: Mapped[str] = mapped_column(String(8), default="")
    target_id: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_deflection_week_week", "week", "kind"),
        Index("ix_deflection_week_target", "kind", "target_kind", "target_id"),
    )


class SearchCount(Model):
    """How often a normalised search found nothing ("none") or was retried with forgiving words ("fuzzy")."""

    __tablename__ = "search_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome: Mapped[str] = mapped_column(String(8))
    words: Mapped[str] = mapped_column(String(200))  # normalised (searches.normalised)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("outcome", "words", name="uq_search_count_outcome_words"),
        Index("ix_search_count_top", "outcome", "count"),
    )


class PageView(Model):
    """Views of a knowledge-book page per day (counted even when the page came from the page cache)."""

    __tablename__ = "page_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("page_id", "day", name="uq_page_view_page_day"),
                      Index("ix_page_view_day", "day", "page_id"))
