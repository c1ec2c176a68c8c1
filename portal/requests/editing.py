"""Staff correcting a request: the customer's details, custom-field values, pinned notes, and opening a
request for a customer who phoned or walked in. Every change is a private log line in the history.
Functions flush, never commit; they raise Forbidden without the ``requests`` right and ValidationFailed
listing every bad value (nothing is changed then).
"""
from flask_babel import gettext

from ..accounts.services import ensure_customer, normalise_email
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..text import single_line
from . import fields as custom_fields
from . import services
from .models import OPENED_VIA, VIA_STAFF, FieldValue, Note, Request
from .workflow import require

# The channels staff pick from when they open a request for a customer (HelpSpot's fOpenedVia codes).
STAFF_CHANNELS = {code: OPENED_VIA[code] for code in (2, 3, 1, 4, 10, 11, 9, 5, 12)}
CUSTOMER_FIELDS = (("first_name", "first name", 40), ("last_name", "last name", 40), ("phone", "phone", 40),
                   ("user_id", "customer id", 80))


def open_for_customer(staff, data: services.RequestInput, uploads=(), *, note_public: bool = True) -> Request:
    """A request staff open on a customer's behalf; ``data.opened_via`` is the channel (phone, walk-in...).
    The customer is not emailed: they are on the phone or at the desk. Raises ValidationFailed."""
    require(staff)
    if data.opened_via not in OPENED_VIA:
        data.opened_via = VIA_STAFF
    return services.create_request(data, uploads, staff=staff, public_only=False, check_spam=False,
                                   note_public=note_public, notify_customer=False)


def update_customer(req: Request, staff, **values: str) -> list[str]:
    """Change the customer's ``first_name``, ``last_name``, ``email``, ``phone``, ``user_id`` (those given).
    Returns the log lines written."""
    require(staff)
    new: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for name, _, limit in CUSTOMER_FIELDS:
        if values.get(name) is not None:
            new[name] = single_line(values[name])[:limit]
    if values.get("email") is not None:
        email, problem = normalise_email(values["email"])
        if problem:
            errors.append(("email", problem))
        elif len(email) > 100:
            errors.append(("email", gettext("The email address is too long.")))
        new["email"] = email
    merged = {name: new.get(name, getattr(req, name)) for name in services.CONTACT_FIELDS}
    if not any(merged.values()):
        errors.append(("email", gettext("A request must keep some customer information.")))
    if errors:
        raise ValidationFailed(errors)
    labels = {name: label for name, label, _ in CUSTOMER_FIELDS} | {"email": "email"}
    changes = []
    for name, value in new.items():
        if value != getattr(req, name):
            changes.append(f'Customer {labels[name]} changed from "{getattr(req, name)}" to "{value}"')
            setattr(req, name, value)
    if "email" in new and new["email"] and any("email" in line for line in changes):
        ensure_customer(new["email"])
    for line in changes:
        services.add_log(req, line, staff)
    db.session.flush()
    return changes


def update_fields(req: Request, staff, raw_values: dict[int, str], *, skip_required: bool = False) -> list[str]:
    """Set custom-field values by field id, with the request's category rules (a value the category does not
    use is refused; a required field may not be emptied). An empty string clears a value."""
    require(staff)
    applicable = {field.id: field for field in custom_fields.applicable_fields(req.category, public_only=False)}
    errors = [(f"Custom{fid}", "This field is not used in the request's category.")
              for fid in raw_values if fid not in applicable]
    for fid, raw in raw_values.items():
        field = applicable.get(fid)
        if field is not None and field.required and not skip_required and not (raw or "").strip():
            errors.append((f"Custom{fid}", f"{field.name} is required."))
    checked, field_errors = custom_fields.validate(req.category, {k: v for k, v in raw_values.items() if v},
                                                   public_only=False, skip_required=True)
    errors += field_errors
    if errors:
        raise ValidationFailed(errors)
    current = {value.field_id: value for value in req.field_values}
    changes = []
    for fid in [fid for fid in applicable if fid in raw_values]:  # in the category's field order
        value = checked.get(fid)
        old = current[fid].value if fid in current else None
        if value == old:
            continue
        changes.append(f'{applicable[fid].name} changed from "{old or ""}" to "{value or ""}"')
        if fid in current and value is None:
            req.field_values.remove(current[fid])
        elif fid in current:
            current[fid].value = value
        else:
            req.field_values.append(FieldValue(field_id=fid, value=value))
    for line in changes:
        services.add_log(req, line, staff)
    db.session.flush()
    return changes


def pin_note(req: Request, staff, note_id: int, pinned: bool = True) -> Note:
    """Pin a note to the top of the history (or unpin it). Raises NotFound for a note of another request."""
    require(staff)
    note = db.session.get(Note, note_id) if note_id else None
    if note is None or note.request_id != req.id or note.is_log:
        raise NotFound(gettext("That note is not on this request."))
    if note.pinned != pinned:
        note.pinned = pinned
        services.add_log(req, "Note pinned to the top" if pinned else "Note unpinned", staff)
        db.session.flush()
    return note
