"""Administration of what requests are sorted by: categories, custom fields (and each category's
ordered field list) and statuses. Functions flush, never commit; every one needs the ``admin`` right.
"""
import re
from dataclasses import dataclass, field

from flask_babel import gettext

from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from . import assignment
from .models import FIELD_TYPES, STATUS_ACTIVE, STATUS_SPAM, Category, CategoryField, CustomField, FieldValue, Status
from .workflow import require

# Statuses the workflow itself relies on: they can be renamed, never switched off or made to (not) close.
PROTECTED_STATUSES = {STATUS_ACTIVE: False, STATUS_SPAM: True}


# --- categories --------------------------------------------------------------------------------

@dataclass
class CategoryInput:
    name: str = ""
    group: str = ""
    public_submit: bool = True
    default_staff_id: int | None = None
    has_field_list: bool = False
    field_ids: list[int] = field(default_factory=list)  # in order


def _category_fields(data: CategoryInput) -> list[tuple[str, str]]:
    errors = []
    data.name, data.group = (data.name or "").strip()[:200], (data.group or "").strip()[:200]
    if not data.name:
        errors.append(("name", gettext("Give the category a name.")))
    try:
        assignment.assignee(data.default_staff_id, field="default_staff_id", reason="Choose an active staff member.")
    except ValidationFailed as exc:
        errors += exc.errors
    known = set(db.session.execute(db.select(CustomField.id).where(CustomField.id.in_(data.field_ids))).scalars())
    if set(data.field_ids) - known:
        errors.append(("field_ids", gettext("One of the chosen fields no longer exists.")))
    return errors


def save_category(staff, data: CategoryInput, category: Category | None = None) -> Category:
    """Create a category or update one, with its ordered field list. Raises Forbidden, ValidationFailed."""
    require(staff, "admin")
    errors = _category_fields(data)
    if errors:
        raise ValidationFailed(errors)
    if category is None:
        category = Category()
        db.session.add(category)
    category.name, category.group, category.public_submit = data.name, data.group, bool(data.public_submit)
    category.default_staff_id = data.default_staff_id or None
    category.has_field_list = bool(data.has_field_list or data.field_ids)
    ordered = list(dict.fromkeys(data.field_ids))
    existing = {link.field_id: link for link in category.field_links}
    category.field_links = [existing.get(fid) or CategoryField(field_id=fid) for fid in ordered]
    for position, link in enumerate(category.field_links):
        link.position = position
    db.session.flush()
    return category


def delete_category(staff, category: Category) -> None:
    """Categories are only marked deleted: requests keep theirs, the forms stop offering it."""
    require(staff, "admin")
    category.deleted = True
    db.session.flush()


def restore_category(staff, category: Category) -> None:
    require(staff, "admin")
    category.deleted = False
    db.session.flush()


# --- custom fields -----------------------------------------------------------------------------

@dataclass
class FieldInput:
    name: str = ""
    field_type: str = "text"
    required: bool = False
    public: bool = True
    always_visible: bool = False
    position: int = 0
    decimal_places: int = 2
    text_size: int | None = None
    regex: str = ""
    large_text_rows: int | None = None
    list_items: list[str] = field(default_factory=list)


def _field_errors(data: FieldInput) -> list[tuple[str, str]]:
    errors = []
    data.name = (data.name or "").strip()[:200]
    data.list_items = [item.strip() for item in data.list_items if item.strip()]
    if not data.name:
        errors.append(("name", gettext("Give the field a name.")))
    if data.field_type not in FIELD_TYPES:
        errors.append(("field_type", gettext("Type must be one of %(types)s.", types=", ".join(FIELD_TYPES))))
    if data.field_type == "select" and not data.list_items:
        errors.append(("list_items", gettext("A drop-down needs at least one choice.")))
    if data.field_type == "regex":
        try:
            re.compile(data.regex or "")
        except re.error as exc:
            errors.append(("regex", gettext("The pattern is not valid: %(exc)s.", exc=exc)))
    if not 0 <= (data.decimal_places or 0) <= 10:
        errors.append(("decimal_places", gettext("Use 0 to 10 decimal places.")))
    if data.text_size is not None and not 1 <= data.text_size <= 255:
        errors.append(("text_size", gettext("Use a size from 1 to 255.")))
    return errors


def save_field(staff, data: FieldInput, custom_field: CustomField | None = None) -> CustomField:
    """Create or update a custom field. The type of a field in use cannot change (its values would no
    longer parse). Raises Forbidden, ValidationFailed, Conflict."""
    require(staff, "admin")
    errors = _field_errors(data)
    if errors:
        raise ValidationFailed(errors)
    if custom_field is None:
        custom_field = CustomField()
        db.session.add(custom_field)
    elif custom_field.field_type != data.field_type and db.session.scalar(
            db.select(db.func.count()).select_from(FieldValue).where(FieldValue.field_id == custom_field.id)):
        raise ValidationFailed(("field_type", gettext("Requests already hold values of this field: its type is "
                                                      "fixed.")))
    for name in ("name", "field_type", "required", "public", "always_visible", "position", "decimal_places",
                 "text_size", "regex", "large_text_rows"):
        setattr(custom_field, name, getattr(data, name))
    custom_field.list_items = data.list_items
    db.session.flush()
    return custom_field


def delete_field(staff, custom_field: CustomField) -> None:
    """Delete a field with its values and its place in every category's list."""
    require(staff, "admin")
    db.session.delete(custom_field)
    db.session.flush()


# --- statuses ----------------------------------------------------------------------------------

def save_status(staff, name: str, *, active: bool = True, position: int = 0, closes: bool = False,
                status: Status | None = None) -> Status:
    """Create or update a status. Active and Spam stay on, and keep whether they close a request.
    Raises Forbidden, ValidationFailed, Conflict (name taken)."""
    require(staff, "admin")
    name = (name or "").strip()[:80]
    if not name:
        raise ValidationFailed(("name", gettext("Give the status a name.")))
    taken = db.session.scalar(db.select(Status.id).where(db.func.lower(Status.name) == name.lower()))
    if taken and (status is None or taken != status.id):
        raise Conflict(gettext("A status with this name already exists."))  # the name typed is not repeated
    if status is not None and status.id in PROTECTED_STATUSES:
        active, closes = True, PROTECTED_STATUSES[status.id]
    if status is None:
        status = Status()
        db.session.add(status)
    status.name, status.active, status.position, status.closes = name, bool(active), position, bool(closes)
    db.session.flush()
    return status


def get(model, ident: int):
    """A category, field or status by id. Raises NotFound."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row
