"""Custom-field rules for a request: which fields apply to a category, which are required,
and how each type's value is checked and stored. One place for the portal form and the API."""
import functools
import re
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext

from .. import limits, text
from ..extensions import db
from .models import Category, CustomField

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
# Dates are stored as unix seconds and shown as dates: years 1 to 9999, what datetime can show.
EARLIEST, LATEST = -62135596800, 253402300799
# Decimals keep 15 digits before the point: with up to 10 places (the field's limit) that stays within
# Decimal's 28-digit precision, which round() otherwise overruns with InvalidOperation (a 500).
DECIMAL_LIMIT = Decimal(10) ** 15
# What people type: Decimal() also takes "1_000", "１２" and "NaN".
_DECIMAL = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,6})?")
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %I:%M %p")


def applicable_fields(category: Category | None, *, public_only: bool) -> list[CustomField]:
    """Fields a request in ``category`` uses: the always-visible ones, then the category's list, in order."""
    fields = list(db.session.execute(_always_visible(public_only)).scalars())
    seen = {field.id for field in fields}
    if category is not None:
        for field in category.fields:
            if field.id not in seen and (field.public or not public_only):
                fields.append(field)
                seen.add(field.id)
    return fields


@functools.cache
def _always_visible(public_only: bool):
    # Prepared (as portal.database.prepared, one per argument): every staff request page asks
    query = db.select(CustomField).where(CustomField.always_visible.is_(True))
    if public_only:
        query = query.where(CustomField.public.is_(True))
    return query.order_by(CustomField.position, CustomField.name)


def all_fields(*, public_only: bool) -> list[CustomField]:
    """Every custom field (or every public one), in display order, whatever the category."""
    query = db.select(CustomField).order_by(CustomField.position, CustomField.name, CustomField.id)
    if public_only:
        query = query.where(CustomField.public.is_(True))
    return list(db.session.execute(query).scalars())


def _parse_time(raw: str, formats: tuple[str, ...], *, day: bool) -> int | None:
    if re.fullmatch(r"-?[0-9]+", raw):
        if len(raw.lstrip("-")) > 12:  # int() of thousands of digits is slow, then refused
            return None
        stamp = int(raw)
        if not EARLIEST <= stamp <= LATEST:
            return None
    else:
        for fmt in formats:
            try:
                stamp = int(datetime.strptime(raw, fmt).replace(tzinfo=UTC).timestamp())
                break
            except ValueError:
                continue
        else:
            return None
    return stamp - stamp % 86400 if day else stamp


def normalise(field: CustomField, raw: str) -> tuple[str | None, str | None]:
    """(value to store, or None for empty; error reason or None). Values are stored as text."""
    kind = field.field_type
    raw = text.without_controls(raw).strip() if kind == "lrgtext" else text.single_line(raw)
    if raw == "":
        return None, None
    if kind == "checkbox":
        if raw not in ("0", "1", "on", "true", "false"):
            return None, gettext("%(field)s must be checked or unchecked.", field=field.name)
        return ("1" if raw in ("1", "on", "true") else "0"), None
    limit = field.text_size or 255
    if kind == "numtext":
        if not re.fullmatch(r"-?[0-9]+", raw):  # \d would take "١٢"
            return None, gettext("%(field)s must be a whole number.", field=field.name)
        if len(raw) > limit:
            return None, gettext("%(field)s must be at most %(limit)s digits.", field=field.name, limit=limit)
        return raw, None
    if kind == "decimal":
        return _decimal(field, raw)
    if kind == "select":
        if raw not in field.list_items:
            return None, gettext("%(field)s must be one of: %(choices)s.", field=field.name,
                                 choices=", ".join(field.list_items))
        return raw, None
    if kind in ("date", "datetime"):
        stamp = _parse_time(raw, DATE_FORMATS if kind == "date" else DATETIME_FORMATS + DATE_FORMATS,
                            day=kind == "date")
        if stamp is None:
            return None, (gettext("%(field)s must be a date (YYYY-MM-DD).", field=field.name) if kind == "date"
                          else gettext("%(field)s must be a date (YYYY-MM-DD HH:MM).", field=field.name))
        return str(stamp), None
    if kind == "regex" and field.regex:
        try:
            if not re.fullmatch(field.regex, raw):
                return None, gettext("%(field)s is not in the expected format.", field=field.name)
        except re.error:
            pass  # a broken pattern is the admin's mistake, not the customer's
    if kind == "lrgtext":  # shown to staff on every view of the request: capped like a note
        return (None, reason) if (reason := limits.too_long(raw, label=field.name)) else (raw, None)
    if len(raw) > limit:
        return None, gettext("%(field)s must be at most %(limit)s characters.", field=field.name, limit=limit)
    return raw, None


def _decimal(field: CustomField, raw: str) -> tuple[str | None, str | None]:
    if not _DECIMAL.fullmatch(raw):
        return None, gettext("%(field)s must be a number.", field=field.name)
    number = Decimal(raw)
    if number.copy_abs() >= DECIMAL_LIMIT:  # copy_abs, not abs(): exact, no context to overflow
        return None, gettext("%(field)s must have at most 15 digits before the decimal point.", field=field.name)
    return str(round(number, field.decimal_places)), None


def validate(category: Category | None, raw_values: dict[int, str], *, public_only: bool,
             skip_required: bool = False) -> tuple[dict[int, str | None], list[tuple[str, str]]]:
    """Check the raw values against the category's fields. Values for other fields are dropped.

    Returns (values by field id, errors as (``Custom<id>``, reason) pairs).
    """
    values: dict[int, str | None] = {}
    errors: list[tuple[str, str]] = []
    for field in applicable_fields(category, public_only=public_only):
        value, problem = normalise(field, raw_values.get(field.id, ""))
        if problem:
            errors.append((field.param_name, problem))
        elif value is None and field.required and not skip_required:
            errors.append((field.param_name, gettext("Please fill in %(field)s", field=field.name)))
        values[field.id] = value
    return values, errors
