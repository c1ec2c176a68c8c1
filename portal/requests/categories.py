"""Which categories an agent may see. An agent with no ``StaffCategory`` rows sees every category (the
default); with rows, only requests in those categories (and none without a category). Administrators always
see everything. The staff pages, the queue, every API and the search use these functions.
"""
from flask_babel import gettext
from sqlalchemy import ColumnElement, bindparam, true

from ..accounts.models import Staff
from ..database import prepared
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from .models import Category, Request
from .workspace_models import StaffCategory


def allowed_ids(staff) -> set[int] | None:
    """The category ids the staff member is limited to, or None for "all"."""
    if staff is None or staff.can("admin"):
        return None
    cached = getattr(staff, "_allowed_categories", ...)
    if cached is not ...:
        return cached
    ids = set(db.session.execute(db.select(StaffCategory.category_id)
                                 .where(StaffCategory.staff_id == staff.id)).scalars())
    result = ids or None
    staff.__dict__["_allowed_categories"] = result  # once per staff object (one request or API call)
    return result


def load_staff(staff_id: int) -> Staff | None:
    """A staff member by id, with the categories :func:`allowed_ids` answers, in one statement: the login
    loads every staff page's visitor this way, where a lookup and then this module's own query cost two
    statements on every request."""
    found = db.session.execute(_staff_with_categories(), {"staff_id": staff_id}).all()
    if not found:
        return None
    staff = found[0][0]
    staff.__dict__["_allowed_categories"] = {row[1] for row in found if row[1] is not None} or None
    return staff


@prepared
def _staff_with_categories():
    return (db.select(Staff, StaffCategory.category_id)
            .outerjoin(StaffCategory, StaffCategory.staff_id == Staff.id).where(Staff.id == bindparam("staff_id")))


def may_see(staff, req: Request | None) -> bool:
    if req is None:
        return False
    allowed = allowed_ids(staff)
    return allowed is None or req.category_id in allowed


def require_visible(staff, req: Request) -> None:
    """Raises Forbidden when the request is in a category the staff member may not see."""
    if not may_see(staff, req):
        raise Forbidden(gettext("This request is in a category you are not allowed to see."))


def visible_condition(staff) -> ColumnElement[bool]:
    """A WHERE condition on Request limiting a query to the staff member's categories."""
    allowed = allowed_ids(staff)
    return true() if allowed is None else Request.category_id.in_(sorted(allowed))


def set_allowed(admin, person: Staff, category_ids: list[int]) -> None:
    """An administrator limits ``person`` to these categories (an empty list: all categories).
    Raises Forbidden, ValidationFailed (an unknown category)."""
    if admin is None or not admin.can("admin"):
        raise Forbidden()
    wanted = set(category_ids)
    known = set(db.session.execute(db.select(Category.id).where(Category.id.in_(wanted))).scalars())
    if known != wanted:
        raise ValidationFailed(("categories", gettext("One of the chosen categories no longer exists.")))
    db.session.execute(db.delete(StaffCategory).where(StaffCategory.staff_id == person.id))
    for category_id in sorted(wanted):
        db.session.add(StaffCategory(staff_id=person.id, category_id=category_id))
    person.__dict__.pop("_allowed_categories", None)
    db.session.flush()
