"""Administration of staff accounts, roles and portal settings. Every function needs ``admin``.

Flushes, never commits. The rule that the help desk always keeps one active administrator lives here.
"""
from dataclasses import dataclass

from flask_babel import gettext

from .. import settings
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from .models import ROLES, Staff
from .services import check_password_rules, create_staff, end_sessions


def require_admin(staff) -> None:
    if staff is None or not staff.can("admin"):
        raise Forbidden()


@dataclass
class StaffInput:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    role: str = "agent"
    active: bool = True
    password: str = ""  # required on create; on update, empty keeps the password


def add_staff(actor, data: StaffInput) -> Staff:
    """Raises Forbidden, ValidationFailed, Conflict (email taken)."""
    require_admin(actor)
    return create_staff(data.email, data.password, role=data.role, first_name=data.first_name.strip(),
                        last_name=data.last_name.strip())


def _other_admins(staff: Staff) -> int:
    return db.session.scalar(db.select(db.func.count(Staff.id)).where(
        Staff.role == "administrator", Staff.active.is_(True), Staff.id != staff.id))


def update_staff(actor, staff: Staff, data: StaffInput) -> Staff:
    """Change names, email, role, active and (when given) password.

    A new password, a deactivation or a reactivation ends every session of that person (a session from
    before a deactivation must not come back with the reactivation); the caller logs the actor in again
    when they edited themselves.

    Raises Forbidden, ValidationFailed, Conflict (email taken, or the last active administrator would go)."""
    require_admin(actor)
    email = (data.email or "").strip().lower()
    errors = []
    if "@" not in email:
        errors.append(("email", gettext("Enter a valid email address.")))
    if data.role not in ROLES:
        errors.append(("role", gettext("Role must be one of %(roles)s.", roles=", ".join(ROLES))))
    if data.password:
        try:
            check_password_rules(data.password)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    taken = db.session.scalar(db.select(Staff.id).where(Staff.email == email, Staff.id != staff.id))
    if taken:
        raise Conflict(gettext("A staff account for %(email)s already exists.", email=email))
    losing_admin = staff.role == "administrator" and staff.active and (data.role != "administrator" or not data.active)
    if losing_admin and not _other_admins(staff):
        raise Conflict(gettext("The help desk needs at least one active administrator."))
    sessions_end = bool(data.password) or staff.active != bool(data.active)
    staff.email, staff.role, staff.active = email, data.role, bool(data.active)
    staff.first_name, staff.last_name = data.first_name.strip()[:80], data.last_name.strip()[:80]
    if data.password:
        staff.set_password(data.password)
    if sessions_end:
        end_sessions(staff)
    db.session.flush()
    return staff


def update_settings(actor, raw: dict[str, object]) -> dict[str, object]:
    """Store several settings at once, typed by ``settings.coerce``. Nothing is stored unless every
    value is valid. Returns the stored values. Raises Forbidden, ValidationFailed (all problems)."""
    require_admin(actor)
    errors, values = [], {}
    for key, value in raw.items():
        try:
            values[key] = settings.coerce(key, value)
        except ValidationFailed as exc:
            errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    for key, value in values.items():
        settings.set_value(key, value)
    return values
