"""What staff keep around requests: time logged, subscriptions, canned responses and the categories an
agent may see. Rules live in the service modules next to this one (timelog, subscriptions, responses,
categories)."""
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model


class TimeEvent(Model):
    """Time a staff member spent on a request (HelpSpot's time tracker event)."""

    __tablename__ = "time_event"
    change_owner: ClassVar = ("request", "request_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    seconds: Mapped[int] = mapped_column(Integer)
    work_date: Mapped[date] = mapped_column(Date)  # the day the work was done (iYear/iMonth/iDay)
    description: Mapped[str] = mapped_column(Text, default="")
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # dtGMTDateAdded

    staff = relationship("Staff")

    __table_args__ = (Index("ix_time_event_request", "request_id", "work_date"),
                      Index("ix_time_event_created", "created_at"))


class RequestSubscription(Model):
    """A staff member following a request."""

    __tablename__ = "request_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)  # HelpSpot's xSubscriptions
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ux_request_subscription", "request_id", "staff_id", unique=True),)


class CannedResponse(Model):
    """A reply text staff insert into notes: shared (no owner) or personal (``staff_id``)."""

    __tablename__ = "canned_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    owner = relationship("Staff", foreign_keys=[staff_id])
    created_by = relationship("Staff", foreign_keys=[created_by_id])

    __table_args__ = (Index("ix_canned_response_list", "deleted", "staff_id", "folder", "title"),)

    @property
    def shared(self) -> bool:
        return self.staff_id is None


class ResponseUse(Model):
    """How often a staff member inserted a response (HelpSpot's usersMostCommon)."""

    __tablename__ = "response_use"

    response_id: Mapped[int] = mapped_column(ForeignKey("canned_response.id", ondelete="CASCADE"),
                                             primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StaffCategory(Model):
    """A category an agent is limited to. An agent with no rows sees every category (the default)."""

    __tablename__ = "staff_category"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class Contact(Model):
    """A person in the help desk's internal address book (HelpSpot's private.addressbook)."""

    __tablename__ = "address_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_address_contact_name", "last_name", "first_name"),)
