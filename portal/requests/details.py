"""Staff changing what a request says about itself: its subject, its customer's contact fields and its custom
fields. The custom fields follow the rules of the portal's form (``requests.fields.validate`` with the
request's category: the category's fields, their types, lists and required ones); a value for a field the
category does not use is refused. Every change is a private log line. Functions flush, never commit.
"""
from flask_babel import gettext

from ..accounts.services import ensure_customer, normalise_email
from ..dates import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..text import single_line
from . import fields as custom_fields
from .models import CustomField, FieldValue, Request
from .services import add_log
from .workflow import require

CONTACT_LIMITS = {"first_name": 40, "last_name": 40, "phone": 40, "user_id": 80}


def _contact(req: Request, contact: dict, errors: list) -> dict[str, str]:
    """The contact columns to change. Adds (field, reason) to ``errors``."""
    updates = {}
    for name, limit in CONTACT_LIMITS.items():
        if name in contact:
            updates[name] = single_line(contact[name] or "")[:limit]
    if "email" in contact:
        email, reason = normalise_email(contact["email"] or "")
        if reason or len(email) > 100:
            errors.append(("email", reason or gettext("The email address is too long.")))
        updates["email"] = email
    if not any(updates.get(name, getattr(req, name)) for name in ("email", *CONTACT_LIMITS)):
        errors.append(("email", gettext("You must provide some customer information")))
    return updates


def _custom(req: Request, raw: dict[int, str], errors: list, skip_required: bool) -> dict[int, str | None]:
    """The custom values to change, checked with the category's rules. Adds (``Custom<id>``, reason) to
    ``errors``."""
    applicable = {f.id for f in custom_fields.applicable_fields(req.category, public_only=False)}
    outside = [(f"Custom{field_id}", "This field does not apply to the request's category.")
               for field_id in raw if field_id not in applicable]
    if outside:
        errors.extend(outside)
        return {}
    current = {fv.field_id: fv.value for fv in req.field_values}
    values, field_errors = custom_fields.validate(req.category, {**{k: v or "" for k, v in current.items()}, **raw},
                                                  public_only=False, skip_required=skip_required)
    errors.extend(field_errors)
    return {field_id: value for field_id, value in values.items() if field_id in raw and current.get(field_id) != value}


def edit(req: Request, staff, *, title: str | None = None, contact: dict | None = None,
         custom: dict[int, str] | None = None, skip_custom_checks: bool = False) -> list[str]:
    """Change the subject, contact fields (``email``, ``first_name``, ``last_name``, ``phone``, ``user_id``)
    and custom values (by field id) given; None leaves each alone. Checks everything before changing
    anything. Returns the log lines written. Raises Forbidden, ValidationFailed (bad email, no customer
    information left, a custom field outside the category or a value its rules refuse)."""
    require(staff)
    errors: list[tuple[str, str]] = []
    new_title = None if title is None else single_line(title)[:255]
    if new_title is not None and not new_title.strip():
        errors.append(("title", gettext("The subject cannot be blank.")))
    values = _custom(req, custom, errors, skip_custom_checks) if custom else {}
    updates = _contact(req, contact, errors) if contact else {}
    if errors:
        raise ValidationFailed(errors)
    changes = []
    if new_title is not None and new_title != req.title:
        changes.append(f'Subject changed from "{req.title}" to "{new_title}"')
        req.title = new_title
    before = f"{req.full_name.strip()} <{req.email}>"
    for name, text in updates.items():
        setattr(req, name, text)
    if (after := f"{req.full_name.strip()} <{req.email}>") != before:
        changes.append(f'Customer changed from "{before}" to "{after}"')
    if updates.get("email"):
        ensure_customer(updates["email"])
    kept = {fv.field_id: fv for fv in req.field_values}
    names: dict[int, str] = {row.id: row.name for row in db.session.execute(
        db.select(CustomField.id, CustomField.name).where(CustomField.id.in_(list(values))))} if values else {}
    for field_id, value in values.items():
        old = kept[field_id].value if field_id in kept else None
        changes.append(f'{names[field_id]} changed from "{old or ""}" to "{value or ""}"')
        if field_id in kept:
            kept[field_id].value = value
        else:
            req.field_values.append(FieldValue(field_id=field_id, value=value))
    for line in changes:
        add_log(req, line, staff)
    if changes:
        req.updated_at = utcnow()
    db.session.flush()
    return changes
