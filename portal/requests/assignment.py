"""Who a request may be assigned to: one rule for the staff page, the category settings, new requests
and every API method that assigns (private.request.create and .update, private.request.getCategories).

Requests go to active staff with the ``requests`` right; a moderator works on forums and books only.
"""
from ..accounts.models import Staff
from ..database import prepared
from ..errors import ValidationFailed
from ..extensions import db

UNKNOWN_ASSIGNEE = "Unknown staff member."


def may_be_assigned(person: Staff | None) -> bool:
    """Whether requests may be assigned to ``person`` (``Staff.can`` is false for an inactive account)."""
    return person is not None and person.can("requests")


def assignable_staff() -> list[Staff]:
    """The people the staff page and the API offer as assignees, by name."""
    people = db.session.execute(_active_staff()).scalars()  # prepared: every staff request page offers them
    return [person for person in people if may_be_assigned(person)]


@prepared
def _active_staff():
    return db.select(Staff).where(Staff.active.is_(True)).order_by(Staff.first_name, Staff.last_name, Staff.id)


def assignee(staff_id: int | None, *, field: str = "assigned_to", reason: str = UNKNOWN_ASSIGNEE) -> Staff | None:
    """The staff member ``staff_id`` names, or None (nobody) for no id.

    Raises ValidationFailed(``field``, ``reason``) when requests may not be assigned to them."""
    if not staff_id:
        return None
    person = db.session.get(Staff, staff_id)
    if not may_be_assigned(person):
        raise ValidationFailed((field, reason))
    return person
