"""What a reader says was missing when a page did not help: a fixed reason and a short text.

Its own module (not kb/models.py) so that the feedback rules stay in one place: one per visitor per page,
spam-checked, rate-limited (portal.security), and marked handled by staff on the page's editor view."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..dates import utcnow
from ..extensions import Model

REASONS = {
    "incomplete": "It did not cover my question",
    "unclear": "It was hard to understand",
    "outdated": "It is out of date or wrong",
    "steps": "The steps did not work for me",
    "other": "Something else",
}
MAX_TEXT = 500


class PageFeedback(Model):
    __tablename__ = "page_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))  # the browser's vote cookie: one per visitor per page
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(MAX_TEXT), default="")
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("page_id", "voter", name="uq_page_feedback_page_voter"),
        Index("ix_page_feedback_open", "page_id", "handled"),
    )
