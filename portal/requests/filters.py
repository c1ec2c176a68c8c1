"""Saved queue views ("filters"): a name and the queue's criteria, kept by a staff member for themselves or
shared with every staff member. The queue's built-in views (open, mine, unassigned, ...) are filters too,
named by a word instead of a number, so HelpSpot's ``private.filter.get&xFilter=inbox`` and DeskPRO's
``/ticket_filters`` list them beside the saved ones.

One model behind the queue page, HelpSpot's ``private.user.getFilters`` / ``private.filter.get`` and
DeskPRO's ``ticket_filters``. Functions flush, never commit. Permission: the ``requests`` right; a saved
filter is changed only by its owner or an administrator.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, bindparam, case, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Staff
from ..database import prepared, rows
from ..dates import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import Model, db
from ..urls import MAX_ID
from . import queue
from .models import Category, Status
from .workflow import require

MAX_NAME = 100
MAX_FILTERS = 200  # per staff member: the queue page lists them all
# Built-in views as filters: id -> the queue view. HelpSpot names its inbox (unassigned requests) and
# "my queue" (``myq``); the other views keep the queue's own words.
BUILT_IN = {"inbox": "unassigned", "myq": "mine", "open": "open", "urgent": "urgent", "closed": "closed",
            "spam": "spam", "trash": "trash"}
ALIASES = {"unassigned": "inbox", "mine": "myq"}
BUILT_IN_NAMES = {"inbox": "Inbox", "myq": "My Queue", "open": "Open", "urgent": "Urgent", "closed": "Closed",
                  "spam": "Spam", "trash": "Trash"}


class SavedFilter(Model):
    """A staff member's saved queue view; ``shared`` ones are listed for every staff member."""

    __tablename__ = "saved_filter"
    __table_args__ = (Index("ix_saved_filter_owner_name", "owner_id", "name_key", unique=True),
                      Index("ix_saved_filter_shared", "shared"))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    name_key: Mapped[str] = mapped_column(String(MAX_NAME))  # lower-cased: one name per owner, any case
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    view: Mapped[str] = mapped_column(String(20), default="open")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    status_id: Mapped[int | None] = mapped_column(ForeignKey("status.id", ondelete="SET NULL"), index=True)
    tag: Mapped[str] = mapped_column(String(100), default="")
    q: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    owner = relationship("Staff", lazy="joined")

    @property
    def criteria(self) -> queue.QueueFilter:
        return queue.QueueFilter(view=self.view, category_id=self.category_id, status_id=self.status_id,
                                 q=self.q, tag=self.tag)


@dataclass
class FilterRef:
    """A filter as the APIs and the page show it: a saved one (``saved`` set) or a built-in view."""

    id: str                 # "12", or a built-in's word ("inbox")
    name: str
    criteria: queue.QueueFilter
    saved: SavedFilter | None = None

    @property
    def built_in(self) -> bool:
        return self.saved is None

    @property
    def shared(self) -> bool:
        return self.saved is None or self.saved.shared


def built_in(key: str) -> FilterRef:
    return FilterRef(key, BUILT_IN_NAMES[key], queue.QueueFilter(view=BUILT_IN[key]))


def _ref(saved: SavedFilter) -> FilterRef:
    return FilterRef(str(saved.id), saved.name, saved.criteria, saved)


def _visible(staff):
    return db.select(SavedFilter).where((SavedFilter.owner_id == staff.id) | SavedFilter.shared.is_(True))


def saved_filters(staff) -> list[SavedFilter]:
    """The staff member's own filters and the shared ones, by name. Raises Forbidden."""
    require(staff)
    query = _visible(staff).order_by(SavedFilter.name_key, SavedFilter.id).limit(MAX_FILTERS * 2)
    return list(db.session.execute(query).scalars())


@dataclass(slots=True)
class SavedFilterRow:
    """A saved filter as the queue page lists it: the columns it shows, with its owner's name."""

    id: int
    name: str
    shared: bool
    owner_id: int
    owner: queue.Person


def saved_filter_rows(staff) -> list[SavedFilterRow]:
    """:func:`saved_filters` as rows of the columns the queue page shows (one prepared statement). Raises
    Forbidden."""
    require(staff)
    return [SavedFilterRow(filter_id, name, shared, owner_id, queue.Person(first, last, email))
            for filter_id, name, shared, owner_id, first, last, email in rows(_saved_filter_rows(), staff_id=staff.id)]


@prepared
def _saved_filter_rows():
    return (db.select(SavedFilter.id, SavedFilter.name, SavedFilter.shared, SavedFilter.owner_id, Staff.first_name,
                      Staff.last_name, Staff.email)
            .join(Staff, Staff.id == SavedFilter.owner_id)
            .where((SavedFilter.owner_id == bindparam("staff_id")) | SavedFilter.shared.is_(True))
            .order_by(SavedFilter.name_key, SavedFilter.id).limit(MAX_FILTERS * 2))


def all_filters(staff) -> list[FilterRef]:
    """Built-in views first, then :func:`saved_filters`. Raises Forbidden."""
    return [built_in(key) for key in BUILT_IN] + [_ref(s) for s in saved_filters(staff)]


def find(staff, ref: str | int) -> FilterRef:
    """A filter by id (a number, or a built-in's word; ``unassigned``/``mine`` too). Raises Forbidden,
    NotFound (unknown, or another staff member's filter that is not shared)."""
    require(staff)
    key = str(ref).strip().lower()
    key = ALIASES.get(key, key)
    if key in BUILT_IN:
        return built_in(key)
    if not (key.isascii() and key.isdigit() and len(key) <= 10) or int(key) > MAX_ID:  # past INTEGER's range
        raise NotFound(gettext("No such filter."))
    saved = db.session.execute(_visible(staff).where(SavedFilter.id == int(key))).scalar_one_or_none()
    if saved is None:
        raise NotFound(gettext("No such filter."))
    return _ref(saved)


def requests(staff, ref: FilterRef, *, page: int = 1, per_page: int = 25) -> queue.QueuePage:
    """One page of a filter's requests, exactly as the queue page shows them. Raises Forbidden."""
    return queue.queue(staff, ref.criteria, page=page, per_page=per_page)


def counts(staff, refs: list[FilterRef]) -> dict[str, int]:
    """How many requests each filter holds, in one query (a filter with search words costs its search).
    Raises Forbidden."""
    require(staff)
    if not refs:
        return {}
    columns = [func.coalesce(func.sum(case((queue.condition(staff, ref.criteria), 1), else_=0)), 0)
               for ref in refs]
    row = db.session.execute(db.select(*columns).select_from(queue.Request)).one()
    return {ref.id: int(value) for ref, value in zip(refs, row, strict=True)}


def _check(staff, name: str, criteria: queue.QueueFilter, *, exclude_id: int | None = None) -> str:
    """The trimmed name. Raises ValidationFailed naming each bad field."""
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(("name", gettext("Please give the filter a name.")))
    elif len(name) > MAX_NAME:
        errors.append(("name", gettext("A filter's name has at most %(max_name)s characters.", max_name=MAX_NAME)))
    else:
        same = db.select(SavedFilter.id).where(SavedFilter.owner_id == staff.id,
                                               SavedFilter.name_key == name.lower())
        if exclude_id is not None:
            same = same.where(SavedFilter.id != exclude_id)
        if db.session.scalar(same) is not None:
            errors.append(("name", gettext("You already have a filter with this name.")))
    if criteria.view not in queue.VIEWS:
        errors.append(("view", gettext("Choose one of %(views)s.", views=", ".join(queue.VIEWS))))
    if criteria.category_id is not None and db.session.get(Category, criteria.category_id) is None:
        errors.append(("category", gettext("Unknown category.")))
    if criteria.status_id is not None and db.session.get(Status, criteria.status_id) is None:
        errors.append(("status", gettext("Unknown status.")))
    if len(criteria.q or "") > 200:
        errors.append(("q", gettext("Search text has at most 200 characters.")))
    if len(criteria.tag or "") > 100:
        errors.append(("tag", gettext("A tag has at most 100 characters.")))
    if errors:
        raise ValidationFailed(errors)
    return name


def save(staff, name: str, criteria: queue.QueueFilter, *, shared: bool = False) -> SavedFilter:
    """Save the queue's current criteria under a name. Raises Forbidden, ValidationFailed (name blank,
    too long or already used by this staff member; unknown view, category or status)."""
    require(staff)
    name = _check(staff, name, criteria)
    owned = db.session.scalar(db.select(func.count()).where(SavedFilter.owner_id == staff.id))
    if owned >= MAX_FILTERS:
        raise ValidationFailed(("name", gettext("You have %(max_filters)s filters already; delete one first.",
                                                max_filters=MAX_FILTERS)))
    saved = SavedFilter(owner_id=staff.id, name=name, name_key=name.lower(), shared=shared, view=criteria.view,
                        category_id=criteria.category_id, status_id=criteria.status_id,
                        tag=(criteria.tag or "").strip(), q=(criteria.q or "").strip())
    db.session.add(saved)
    db.session.flush()
    return saved


def _own(staff, filter_id) -> SavedFilter:
    ref = find(staff, filter_id)
    if ref.saved is None:
        raise Forbidden(gettext("The built-in views cannot be changed."))
    if ref.saved.owner_id != staff.id and not staff.can("admin"):
        raise Forbidden(gettext("Only the staff member who saved this filter can change it."))
    return ref.saved


def update(staff, filter_id, *, name: str | None = None, shared: bool | None = None,
           criteria: queue.QueueFilter | None = None) -> SavedFilter:
    """Rename a filter, share or unshare it, or replace its criteria. Raises Forbidden (a built-in view, or
    another's filter for a non-administrator), NotFound, ValidationFailed."""
    saved = _own(staff, filter_id)
    new_name = _check(staff, saved.name if name is None else name, criteria or saved.criteria,
                      exclude_id=saved.id)
    saved.name, saved.name_key = new_name, new_name.lower()
    if shared is not None:
        saved.shared = shared
    if criteria is not None:
        saved.view, saved.category_id, saved.status_id = criteria.view, criteria.category_id, criteria.status_id
        saved.tag, saved.q = (criteria.tag or "").strip(), (criteria.q or "").strip()
    saved.updated_at = utcnow()
    db.session.flush()
    return saved


def delete(staff, filter_id) -> None:
    """Delete a saved filter. Raises Forbidden, NotFound."""
    saved = _own(staff, filter_id)
    db.session.delete(saved)
    db.session.flush()
