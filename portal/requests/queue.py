"""The staff request queue and a request's whole history (staff reads; changes live in ``workflow``).

Each page of the queue is a fixed number of queries whatever its length. The APIs read it as Request
objects (status joined, category and assignee in one IN query each); the staff page reads it as plain rows
of the columns it shows (:func:`queue_rows`), its category, status and assignee joined.
"""
import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, bindparam
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..accounts.models import Staff
from ..database import prepared, rows
from ..errors import NotFound
from ..extensions import db
from ..search.query import search_requests
from ..urls import database_id
from .categories import allowed_ids, may_see, visible_condition
from .models import STATUS_SPAM, Attachment, Category, Request, RequestTag, Status, request_tag_link
from .services import survivor
from .workflow import require


def N_(message: str) -> str:
    """Marks a message for extraction (``make translations``); the page translates it where it shows it."""
    return message


# The queue's tabs, by their English names: the page shows each translated (``_(label)``). Not lazy strings:
# escaping one looks the translation up through Flask-Babel's whole chain, seven times a page.
VIEWS = {
    "open": N_("Open"),
    "mine": N_("Mine"),
    "unassigned": N_("Unassigned"),
    "urgent": N_("Urgent"),
    "closed": N_("Closed"),
    "spam": N_("Spam"),
    "trash": N_("Trash"),
}


@dataclass
class QueueFilter:
    view: str = "open"
    category_id: int | None = None
    status_id: int | None = None
    q: str = ""
    tag: str = ""  # a request tag's name (any case)


@dataclass
class QueuePage:
    """What the pager macro needs, for both a filtered list and a text search."""

    items: list[Any]  # Request objects (queue), QueueRow rows (queue_rows)
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _with_relations(query):
    return query.options(selectinload(Request.category), selectinload(Request.assigned_to))


def _conditions(staff, f: QueueFilter) -> list[ColumnElement[bool]]:
    """The queue's view, category, status and tag as WHERE conditions."""
    return [visible_condition(staff), *_view_conditions(f.view, staff.id, f.category_id or None, f.status_id or None,
                                                        f.tag.strip().lower() or None)]


def _view_conditions(view: str, staff_id, category_id, status_id, tag_key) -> list[ColumnElement[bool]]:
    """:func:`_conditions` but the staff member's categories, from values or ``bindparam``s (prepared
    statements, :func:`_prepared_view`); None leaves the category, status or tag unfiltered."""
    conditions: list[ColumnElement[bool]] = [Request.trashed.is_(view == "trash")]
    if view == "spam":
        conditions.append(Request.status_id == STATUS_SPAM)
    elif view == "closed":
        conditions += [Request.is_open.is_(False), Request.status_id != STATUS_SPAM]
    elif view != "trash":
        conditions.append(Request.is_open.is_(True))
    if view == "mine":
        conditions.append(Request.assigned_to_id == staff_id)
    elif view == "unassigned":
        conditions.append(Request.assigned_to_id.is_(None))
    elif view == "urgent":
        conditions.append(Request.urgent.is_(True))
    if category_id is not None:
        conditions.append(Request.category_id == category_id)
    if status_id is not None:
        conditions.append(Request.status_id == status_id)
    if tag_key is not None:
        tagged = (db.select(request_tag_link.c.request_id).join(RequestTag, RequestTag.id == request_tag_link.c.tag_id)
                  .where(RequestTag.name_key == tag_key))
        conditions.append(Request.id.in_(tagged))
    return conditions


def _filtered(staff, f: QueueFilter):
    return db.select(Request).where(*_conditions(staff, f))


def condition(staff, f: QueueFilter):
    """The one condition for a queue filter's requests, as :func:`queue` lists them: search text alone when
    given (:func:`text_match`), else the view, category, status and tag. Raises Forbidden, SearchUnavailable."""
    require(staff)
    if (f.q or "").strip():
        return text_match(staff, f.q)
    return and_(*_conditions(staff, f))


SEARCH_LIMIT = 1000  # words match at most this many requests, the best first (ten index pages)


def _names_one(q: str):
    """The condition for search text that names one request or one customer: a request number or an
    email address. None for words."""
    if q.isascii() and q.isdigit():  # isdigit() alone is true for "²"
        return Request.id == (database_id(q) or 0)
    if "@" in q and " " not in q:
        return Request.email == q.lower()
    return None


def text_match(staff, q: str):
    """Which requests a staff member's search text matches, the one rule for the queue's search box and the
    API's ``sSearch``: a request number, an email address, or words found by the search index in the subject,
    the customer's name and address and every history note (the best SEARCH_LIMIT). Raises Forbidden, and
    SearchUnavailable when the index cannot be read."""
    require(staff)
    q = (q or "").strip()
    condition = _names_one(q)
    if condition is not None:
        return condition & visible_condition(staff)
    ids: list[int] = []
    page = 1
    while len(ids) < SEARCH_LIMIT:
        results = search_requests(q, staff=staff, page=page, per_page=100)
        ids.extend(hit.id for hit in results.hits)
        if page * 100 >= min(results.total, SEARCH_LIMIT) or not results.hits:
            break
        page += 1
    return Request.id.in_(ids) & visible_condition(staff)


def queue(staff, f: QueueFilter, *, page: int = 1, per_page: int = 25) -> QueuePage:
    """One page of the queue. ``q`` is a request id, an email address, or words (the same match as
    :func:`text_match`, ranked by the search index, ignoring the other filters). Raises Forbidden."""
    require(staff)
    page = max(1, page)
    q = (f.q or "").strip()
    named = _names_one(q)
    if named is not None:
        query = db.select(Request).where(named, visible_condition(staff))
    elif q:
        results = search_requests(q, staff=staff, page=page, per_page=per_page)
        ids = [hit.id for hit in results.hits]
        by_id = {r.id: r for r in db.session.execute(
            _with_relations(db.select(Request).where(Request.id.in_(ids), visible_condition(staff)))).scalars()} \
            if ids else {}
        return QueuePage([by_id[i] for i in ids if i in by_id], results.total, page, per_page)
    else:
        query = _filtered(staff, f)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    query = _with_relations(query).order_by(Request.updated_at.desc(), Request.id.desc())
    rows = list(db.session.execute(query.offset((page - 1) * per_page).limit(per_page)).scalars())
    return QueuePage(rows, total, page, per_page)


@dataclass(slots=True)
class Person:
    """A staff member's name columns, named as Staff's own ``full_name`` rule names them."""

    first_name: str
    last_name: str
    email: str

    full_name = Staff.full_name  # the rule itself (first and last name, else the email), not a copy


@dataclass(slots=True)
class QueueRow:
    """One row of the staff queue page: the columns it shows, not a Request. Building 25 Request objects
    with their category and assignee cost about as much as rendering the rest of the page."""

    id: int
    urgent: bool
    is_open: bool
    trashed: bool
    title: str
    first_name: str
    last_name: str
    email: str
    user_id: str
    phone: str
    updated_at: datetime
    category_name: str | None  # None: no category
    status_name: str | None
    assigned_to: Person | None  # None: nobody assigned

    # A request's own rules for its customer's name and its subject, not copies of them
    full_name = Request.full_name
    display_name = Request.display_name
    subject = Request.subject

    @classmethod
    def read(cls, row) -> "QueueRow":
        """A row of :func:`_row_columns`."""
        *columns, first, last, email = row
        return cls(*columns, assigned_to=Person(first, last, email) if email is not None else None)  # type: ignore[misc]


_assignee = aliased(Staff, name="assignee")


def _row_columns():
    return (db.select(Request.id, Request.urgent, Request.is_open, Request.trashed, Request.title,
                      Request.first_name, Request.last_name, Request.email, Request.user_id, Request.phone,
                      Request.updated_at, Category.name, Status.name, _assignee.first_name, _assignee.last_name,
                      _assignee.email)
            .outerjoin(Category, Category.id == Request.category_id)
            .outerjoin(Status, Status.id == Request.status_id)
            .outerjoin(_assignee, _assignee.id == Request.assigned_to_id))


def queue_rows(staff, f: QueueFilter, *, page: int = 1, per_page: int = 25) -> QueuePage:
    """The staff page's :func:`queue`: the same requests in the same order, as :class:`QueueRow` rows, in two
    statements (the count and the page; a search also reads the index). Raises Forbidden."""
    require(staff)
    page = max(1, page)
    q = (f.q or "").strip()
    named = _names_one(q)
    if named is not None:
        conditions: list[ColumnElement[bool]] = [named, visible_condition(staff)]
    elif q:
        results = search_requests(q, staff=staff, page=page, per_page=per_page)
        ids = [hit.id for hit in results.hits]
        found = db.session.execute(_row_columns().where(Request.id.in_(ids), visible_condition(staff))).all() \
            if ids else []
        by_id = {row[0]: QueueRow.read(row) for row in found}
        return QueuePage([by_id[i] for i in ids if i in by_id], results.total, page, per_page)
    else:
        return _view_page(staff, f, page, per_page)
    total = db.session.scalar(db.select(db.func.count()).select_from(Request).where(*conditions))
    query = (_row_columns().where(*conditions).order_by(Request.updated_at.desc(), Request.id.desc())
             .offset((page - 1) * per_page).limit(per_page))
    return QueuePage([QueueRow.read(row) for row in db.session.execute(query)], total or 0, page, per_page)


def _view_page(staff, f: QueueFilter, page: int, per_page: int) -> QueuePage:
    """A page of a view (with its category, status and tag) by the two prepared statements of its shape."""
    allowed = allowed_ids(staff)
    category_id, status_id, tag_key = f.category_id or None, f.status_id or None, f.tag.strip().lower() or None
    count, listed = _prepared_view(f.view if f.view in VIEWS else "open", allowed is not None, category_id is not None,
                                   status_id is not None, tag_key is not None)
    params = {"staff_id": staff.id, "category_id": category_id, "status_id": status_id, "tag_key": tag_key,
              "allowed": sorted(allowed or ())}
    total = rows(count, **params)[0][0]
    found = rows(listed, **params, offset=(page - 1) * per_page, limit=per_page)
    return QueuePage([QueueRow.read(row) for row in found], total or 0, page, per_page)


@functools.cache
def _prepared_view(view: str, limited: bool, category: bool, status: bool, tag: bool):
    """The count and the page of rows of a view of this shape (at most 7 x 16 of them), built once (as
    ``database.prepared``): building both afresh cost more than running them."""
    conditions = _view_conditions(view, bindparam("staff_id"), bindparam("category_id") if category else None,
                                  bindparam("status_id") if status else None, bindparam("tag_key") if tag else None)
    if limited:  # categories.visible_condition for an agent limited to some categories
        conditions.append(Request.category_id.in_(bindparam("allowed", expanding=True)))
    return (db.select(db.func.count()).select_from(Request).where(*conditions),
            _row_columns().where(*conditions).order_by(Request.updated_at.desc(), Request.id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


class Choice(NamedTuple):
    id: int
    name: str


class TagChoice(NamedTuple):
    name: str
    name_key: str


def filter_choices() -> tuple[list[Choice], list[Choice], list[TagChoice]]:
    """What the queue's filter form offers, as rows of the columns it shows: :func:`live_categories`,
    :func:`active_statuses` and every tag (``tags.all_tags``'s order)."""
    return live_categories(), active_statuses(), [TagChoice(*row) for row in rows(_all_tags())]


def live_categories() -> list[Choice]:
    """The categories not deleted, by name (what staff may file a request under)."""
    return [Choice(*row) for row in rows(_live_categories())]


def active_statuses() -> list[Choice]:
    """``services.active_statuses`` as id and name rows."""
    return [Choice(*row) for row in rows(_active_statuses())]


@prepared
def _live_categories():
    return db.select(Category.id, Category.name).where(Category.deleted.is_(False)).order_by(Category.name)


@prepared
def _active_statuses():
    return (db.select(Status.id, Status.name).where(Status.active.is_(True))
            .order_by(Status.position, Status.id))


@prepared
def _all_tags():
    return db.select(RequestTag.name, RequestTag.name_key).order_by(RequestTag.name_key)


def counts(staff) -> dict[str, int]:
    """How many requests the dashboard's open, mine, unassigned and urgent views hold. Raises Forbidden."""
    require(staff)
    return {view: db.session.scalar(db.select(db.func.count()).select_from(
        _filtered(staff, QueueFilter(view=view)).subquery())) for view in ("open", "mine", "unassigned", "urgent")}


def get_request(staff, request_id: int) -> Request:
    """The request, or the one it was merged into (``services.survivor``). Raises Forbidden (no
    ``requests`` right) or NotFound (also for a category the staff member may not see)."""
    require(staff)
    # With its status, category and assignee, which every page and action on a request reads (one statement)
    req = db.session.execute(_request_with_relations(), {"request_id": request_id}).scalar_one_or_none() \
        if request_id else None
    if req is None:
        req = survivor(request_id)  # merged into another, or gone
    if req is None or not may_see(staff, req):  # a category the agent may not see: as if it did not exist
        raise NotFound(gettext("No such request."))
    return req


@prepared
def _request_with_relations():
    return (db.select(Request).where(Request.id == bindparam("request_id"))
            .options(joinedload(Request.category), joinedload(Request.assigned_to)))


def staff_attachment(staff, attachment_id: int):
    """Any request attachment, for staff with the ``requests`` right. Raises Forbidden or NotFound."""
    require(staff)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not may_see(staff, attachment.note.request):
        raise NotFound(gettext("No such attachment."))
    return attachment
