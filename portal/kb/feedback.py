"""What a reader says was missing when a page did not help: a fixed reason and a short text.

Its own module (not kb/models.py) so that the feedback rules stay in one place: one per visitor per page,
spam-checked, rate-limited (portal.security), and marked handled by staff on the page's editor view."""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .. import spam
from ..dates import utcnow
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import Model, db

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


# Services ------------------------------------------------------------------------------------------------

def give(page, voter: str, reason: str, text: str = "") -> PageFeedback:
    """What a reader found missing on ``page``: one of REASONS and an optional short text, once per visitor
    (``voter``, the vote cookie) per page. Raises ValidationFailed (unknown reason, text too long or spam)
    or Conflict (this visitor already said). Flushes, never commits."""
    text = " ".join((text or "").split())
    problems = []
    if reason not in REASONS:
        problems.append(("reason", gettext("Choose what was missing.")))
    if len(text) > MAX_TEXT:
        problems.append(("text", gettext("Please keep it under %(max_text)s characters.", max_text=MAX_TEXT)))
    elif text and spam.is_spam(text):
        problems.append(("text", gettext("Please leave the links out.")))
    if problems:
        raise ValidationFailed(problems)
    feedback = PageFeedback(page_id=page.id, voter=voter, reason=reason, text=text)
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError:
        raise Conflict(gettext("You have already told us about this page. Thank you!")) from None
    return feedback


def given(page_id: int, voter: str | None) -> bool:
    return bool(voter) and db.session.scalar(db.select(PageFeedback.id).where(
        PageFeedback.page_id == page_id, PageFeedback.voter == voter).limit(1)) is not None


def for_editor(page_id: int, limit: int = 50) -> list[PageFeedback]:
    """A page's feedback for its editor view: open first, newest first."""
    return list(db.session.scalars(db.select(PageFeedback).where(PageFeedback.page_id == page_id)
                                   .order_by(PageFeedback.handled, PageFeedback.created_at.desc(),
                                             PageFeedback.id.desc()).limit(limit)))


def mark_handled(staff, feedback_id: int) -> PageFeedback:
    """Staff with the "kb" right mark feedback handled. Raises Forbidden or NotFound. Flushes."""
    if not staff.can("kb"):
        raise Forbidden(gettext("You may not edit the knowledge books."))
    feedback = db.session.get(PageFeedback, feedback_id)
    if feedback is None:
        raise NotFound(gettext("No such feedback."))
    feedback.handled, feedback.handled_by_id = True, staff.id
    db.session.flush()
    return feedback
