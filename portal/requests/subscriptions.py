"""Staff following requests (HelpSpot's subscriptions). Functions flush, never commit.

Any staff member with the ``requests`` right may subscribe or unsubscribe anyone who also has it (HelpSpot
takes the ``xPerson`` to subscribe), so a lead can put a colleague on a request, if the colleague may see the
request's category (portal.requests.categories). Followers are emailed when the customer answers and when
another staff member adds a note (portal.notifications.services). Raises Forbidden, ValidationFailed (a person
who cannot handle requests, or who may not see this one).
"""
from flask_babel import gettext
from sqlalchemy import bindparam

from ..accounts.models import Staff
from ..database import prepared, rows
from ..errors import ValidationFailed
from ..extensions import db
from .categories import may_see
from .models import Request
from .workflow import require
from .workspace_models import RequestSubscription


def _person(person_id: int | None) -> Staff:
    person = db.session.get(Staff, person_id) if person_id else None
    if person is None or not person.can("requests"):
        raise ValidationFailed(("xPerson", gettext("No staff member who handles requests has that id.")))
    return person


def subscribe(req: Request, staff, person_id: int | None = None) -> RequestSubscription:
    """Subscribe ``person_id`` (default: the acting staff member); subscribing twice changes nothing."""
    require(staff)
    person = _person(person_id or staff.id)
    if not may_see(person, req):
        raise ValidationFailed(("xPerson", gettext("This staff member may not see requests in this category.")))
    existing = db.session.execute(db.select(RequestSubscription).where(
        RequestSubscription.request_id == req.id, RequestSubscription.staff_id == person.id)).scalar()
    if existing is not None:
        return existing
    row = RequestSubscription(request_id=req.id, staff_id=person.id)
    db.session.add(row)
    db.session.flush()
    return row


def unsubscribe(req: Request, staff, person_id: int | None = None) -> bool:
    """Whether a subscription was removed."""
    require(staff)
    person = _person(person_id or staff.id)
    row = db.session.execute(db.select(RequestSubscription).where(
        RequestSubscription.request_id == req.id, RequestSubscription.staff_id == person.id)).scalar()
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def is_subscribed(req: Request, person) -> bool:
    # Prepared: every staff request page asks (a statement built afresh cost six times its SQL)
    return bool(rows(_subscription(), request_id=req.id, staff_id=person.id))


@prepared
def _subscription():
    return db.select(RequestSubscription.id).where(RequestSubscription.request_id == bindparam("request_id"),
                                                   RequestSubscription.staff_id == bindparam("staff_id")).limit(1)


def subscriptions_of(staff, person_id: int) -> list[RequestSubscription]:
    """A staff member's subscriptions, newest request first."""
    require(staff)
    person = _person(person_id)
    return list(db.session.execute(db.select(RequestSubscription).where(RequestSubscription.staff_id == person.id)
                                   .order_by(RequestSubscription.request_id.desc())).scalars())


def subscribers(request_id: int) -> list[Staff]:
    """Active staff following a request (for notifications)."""
    return list(db.session.execute(
        db.select(Staff).join(RequestSubscription, RequestSubscription.staff_id == Staff.id)
        .where(RequestSubscription.request_id == request_id, Staff.active.is_(True)).order_by(Staff.id)).scalars())
