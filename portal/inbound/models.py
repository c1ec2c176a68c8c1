"""IMAP mailboxes administrators configure, and a record of each mail read from them."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model

SECURITY = ("ssl", "starttls", "none")  # IMAPS (993), STARTTLS on 143, plain (loopback only, tests)
# What became of a mail read: a note on a request, a new request, skipped (loop protection), refused
# (the request service said no: the reason is kept). A mail that made the importer fail (a bug, not what
# it says) is ``failed`` while it is tried again, round after round, then ``parked`` after
# INBOUND_MAX_ATTEMPTS: marked seen and left alone, so one such mail does not hold up the mailbox for ever.
NOTE, NEW_REQUEST, SKIPPED, REFUSED = "note", "request", "skipped", "refused"
FAILED, PARKED = "failed", "parked"


class Mailbox(Model):
    __tablename__ = "mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=993)
    security: Mapped[str] = mapped_column(String(10), default="ssl")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    username: Mapped[str] = mapped_column(String(255))
    # Kept as typed: IMAP needs it back (never shown again on the page; see docs/mail.md).
    password: Mapped[str] = mapped_column(String(255))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    category = relationship("Category")

    __table_args__ = (Index("ix_mailbox_active", "active", "last_polled_at"),)


class InboundMail(Model):
    """One mail read from a mailbox: what became of it, and whether we auto-replied to its sender (counted
    per sender per day against ``auto_replies_per_day``)."""

    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    sender: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(Integer)
    auto_replied: Mapped[bool] = mapped_column(Boolean, default=False)
    # Failed and parked mail: how many times it was tried, and its IMAP UID (the key when it has no Message-ID).
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    imap_uid: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_inbound_mail_sender", "sender", "auto_replied", "received_at"),
                      Index("ix_inbound_mail_received", "mailbox_id", "received_at"))
