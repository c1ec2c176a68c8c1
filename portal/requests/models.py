"""Requests, their history (notes and log lines), attachments, categories, custom fields, statuses."""
import json
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model, db

# HelpSpot's fOpenedVia codes.
OPENED_VIA = {
    1: "Email", 2: "Phone", 3: "Walk In", 4: "Mail", 5: "Other", 6: "Web Service", 7: "Web Form",
    8: "Forum", 9: "Instant Messenger", 10: "Fax", 11: "Voicemail", 12: "Staff Initiated",
    13: "Tab Widget", 14: "HelpSpot Mobile App",
}
VIA_EMAIL, VIA_WEB_SERVICE, VIA_WEB_FORM, VIA_FORUM, VIA_STAFF = 1, 6, 7, 8, 12

STATUS_ACTIVE, STATUS_SPAM = 1, 2

FIELD_TYPES = ("select", "text", "lrgtext", "checkbox", "numtext", "decimal", "regex", "date", "datetime")

# Who wrote a note, in HelpSpot's xPerson terms: a staff id, 0 for the customer, -1 for the system.
AUTHOR_CUSTOMER, AUTHOR_SYSTEM = 0, -1


class Status(Model):
    __tablename__ = "status"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    closes: Mapped[bool] = mapped_column(Boolean, default=False)  # choosing it closes the request


class CategoryField(Model):
    """The ordered list of custom fields a category uses (HelpSpot's sCustomFieldList)."""

    __tablename__ = "category_field"

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_field.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    field: Mapped["CustomField"] = relationship(lazy="joined")


class Category(Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(200), default="")
    public_submit: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    default_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    # Whether the category uses a field list at all: HelpSpot answers null for "no list"
    # and an empty list for "a list of no public fields".
    has_field_list: Mapped[bool] = mapped_column(Boolean, default=False)

    field_links: Mapped[list[CategoryField]] = relationship(
        order_by=CategoryField.position, cascade="all, delete-orphan")
    default_staff = relationship("Staff")

    __table_args__ = (Index("ix_category_public", "deleted", "public_submit", "name"),)

    @property
    def fields(self) -> list["CustomField"]:
        return [link.field for link in self.field_links]


class CustomField(Model):
    __tablename__ = "custom_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(20), default="text")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    always_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    decimal_places: Mapped[int] = mapped_column(Integer, default=2)
    text_size: Mapped[int | None] = mapped_column(Integer)
    regex: Mapped[str] = mapped_column(String(255), default="")
    large_text_rows: Mapped[int | None] = mapped_column(Integer)
    list_items_json: Mapped[str] = mapped_column(Text, default="[]")

    __table_args__ = (
        CheckConstraint(
            "field_type IN ('select','text','lrgtext','checkbox','numtext','decimal','regex','date','datetime')",
            name="field_type"),
        Index("ix_custom_field_order", "position", "name"),
    )

    @property
    def list_items(self) -> list[str]:
        return json.loads(self.list_items_json or "[]")

    @list_items.setter
    def list_items(self, items: list[str]) -> None:
        self.list_items_json = json.dumps([str(item) for item in items])

    @property
    def param_name(self) -> str:
        return f"Custom{self.id}"


class RequestTag(Model):
    """A tag on requests (HelpSpot's reporting tags, DeskPRO's labels, HappyFox's tags): one name, kept as
    first typed; names are unique ignoring case (``name_key`` is the lower-cased name). Rules live in
    ``portal.requests.tags``."""

    __tablename__ = "request_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


request_tag_link = Table(
    "request_tag_link", db.metadata,
    Column("request_id", ForeignKey("request.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("request_tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Request(Model):
    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_via: Mapped[int] = mapped_column(Integer, default=VIA_WEB_FORM)
    opened_via_id: Mapped[int] = mapped_column(Integer, default=0)
    portal_id: Mapped[int] = mapped_column(Integer, default=0)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    status_id: Mapped[int] = mapped_column(ForeignKey("status.id"), default=STATUS_ACTIVE, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When staff first answered in public (portal.requests.services.add_note sets it once): the dashboard's
    # median time to first reply reads it instead of searching every request's notes.
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_reply_by: Mapped[int] = mapped_column(Integer, default=0)
    trashed: Mapped[bool] = mapped_column(Boolean, default=False)
    trashed_at: Mapped[datetime | None] = mapped_column(DateTime)
    password: Mapped[str] = mapped_column(String(20))  # the letters of the access key
    title: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[str] = mapped_column(String(80), default="")  # the customer's id in *their* systems
    first_name: Mapped[str] = mapped_column(String(40), default="")
    last_name: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(100), default="", index=True)  # lower-cased
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Raised when staff revoke the request's emailed links: a link carries the generation it was issued
    # under and opens the request only while it is still the current one (portal.requests.access_links).
    link_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    category: Mapped[Category | None] = relationship()
    status: Mapped[Status] = relationship(lazy="joined")
    assigned_to = relationship("Staff", foreign_keys=[assigned_to_id])
    opened_by = relationship("Staff", foreign_keys=[opened_by_id])
    notes: Mapped[list["Note"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Note.id")
    field_values: Mapped[list["FieldValue"]] = relationship(cascade="all, delete-orphan")
    tags: Mapped[list[RequestTag]] = relationship(secondary=request_tag_link, order_by=RequestTag.name_key)
    if TYPE_CHECKING:
        # Not a column: create_request leaves the note the request was opened with here for its caller.
        # Declared for type checkers only, since SQLAlchemy would try to map a plain annotation.
        initial_note: "Note"

    __table_args__ = (
        # The staff queue: open/closed, not trashed, newest activity first.
        Index("ix_request_queue", "trashed", "is_open", "updated_at"),
        # Lookups by opening time, and the dashboard's per-day counts and medians over requests opened in a
        # range: all read from this index, never the table.
        Index("ix_request_opened_times", "opened_at", "trashed", "is_open", "first_reply_at", "closed_at"),
        # The dashboard's closed-per-day counts and backlog, from the index alone.
        Index("ix_request_closed_at", "closed_at", "trashed", "is_open", "opened_at"),
        Index("ix_request_user_id", "user_id"),
    )

    @property
    def access_key(self) -> str:
        return f"{self.id}{self.password}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return self.full_name.strip() or self.email or self.user_id or self.phone or "Customer"

    @property
    def subject(self) -> str:
        return self.title or "Information on your request"


class Note(Model):
    """One history row of a request: a public or private note, or a log line of a change."""

    __tablename__ = "note"
    change_owner: ClassVar = ("request", "request_id")  # portal.changes: a note changes its request

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Integer, default=AUTHOR_CUSTOMER)  # HelpSpot xPerson
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_initial: Mapped[bool] = mapped_column(Boolean, default=False)
    is_html: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_from: Mapped[int] = mapped_column(Integer, default=0)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    log: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[Request] = relationship(back_populates="notes")
    staff = relationship("Staff")
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="note", order_by="Attachment.id", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_note_request", "request_id", "is_public", "pinned", "created_at"),
                      Index("ix_note_created_at", "created_at"))  # private.request.getChanged

    @property
    def is_log(self) -> bool:
        return bool(self.log) and not self.body


class Attachment(Model):
    """A file on a note. The bytes live content-addressed on disk (``portal.files``), never executable."""

    __tablename__ = "attachment"
    # portal.changes: its request, when the note is loaded (never loaded during a flush); else "all requests"
    change_owner: ClassVar = ("request",
                              lambda attachment: getattr(attachment.__dict__.get("note"), "request_id", None))

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    note: Mapped[Note] = relationship(back_populates="attachments")


class FieldValue(Model):
    """A request's value for one custom field (one row per value, never one column per field)."""

    __tablename__ = "field_value"
    change_owner: ClassVar = ("request", "request_id")

    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"), primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_field.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)

    field: Mapped[CustomField] = relationship(lazy="joined")

    __table_args__ = (Index("ix_field_value_field", "field_id"),)


class RequestMerge(Model):
    """A request that was merged into another: its old key still finds the new request."""

    __tablename__ = "request_merge"
    change_owner: ClassVar = ("request", "request_id")

    old_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    old_password: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"), index=True)


# Installed by the first migration (and by the test fixtures): Active first, Spam last, as HelpSpot lists them.
DEFAULT_STATUSES = [
    {"id": 1, "name": "Active", "active": True, "position": 0, "closes": False},
    {"id": 3, "name": "Problem Solved", "active": True, "position": 1, "closes": True},
    {"id": 4, "name": "Not Fixable", "active": True, "position": 2, "closes": True},
    {"id": 5, "name": "Customer Unreachable", "active": True, "position": 3, "closes": True},
    {"id": 6, "name": "Customer Found Solution", "active": True, "position": 4, "closes": True},
    {"id": 7, "name": "Software Bug", "active": True, "position": 5, "closes": False},
    {"id": 2, "name": "Spam", "active": True, "position": 99, "closes": True},
]
