"""Contacts (Portico's customers, with their name and phones): ``users/`` paged and searched, ``user/<id or
email>/``, ``POST users/`` creating or editing by email (one, or a JSON list in bulk), ``POST user/<id>/``,
through ``portal.accounts.contacts``. Portico keeps no contact groups or contact custom fields:
``contact_groups/`` and ``user_custom_fields/`` are empty lists, and ``c-cf-<id>`` values are refused.

A contact is keyed by its email: one without (HappyFox's phone-only contacts) is refused with 400 on ``email``.
``is_login_enabled`` false is refused too (every contact may register on the portal).

``users/`` takes ``q`` terms ``name:``, ``email:``, ``phone:``, ``created_since:``, ``updated_since:`` (a bare
word searches names), and ``sort`` ``name``, ``email``, ``created_at``, ``updated_at`` or ``id`` (``-`` in
front for descending).
"""
import json

from flask import request
from sqlalchemy.orm import selectinload

from ...accounts import contacts
from ...accounts.models import Customer
from ...errors import Forbidden, NotFound, ValidationFailed, describe
from ...extensions import db
from ...requests import workflow
from ..body import Input, InvalidInput, from_service
from .dialect import body_values, field_errors, no_files, paged, route, timestamp, whole_number
from .query import BadQuery, day, parse

MAX_SIZE, DEFAULT_SIZE = 50, 10
MAX_BULK = 100
FILTERS = {"name": "name", "email": "email", "phone": "phone"}


def contact(customer: Customer, counts: dict | None = None) -> dict:
    total, pending = (counts if counts is not None else contacts.ticket_counts([customer.email])).get(
        customer.email, (0, 0))
    return {"id": customer.id, "name": customer.full_name or customer.email, "email": customer.email,
            "phones": [{"id": p.id, "type": p.kind, "number": p.number, "is_primary": p.is_primary}
                       for p in customer.phones],
            "created_at": timestamp(customer.created_at),
            "updated_at": timestamp(customer.updated_at or customer.created_at),
            "tickets_count": total, "pending_tickets_count": pending, "is_login_enabled": True,
            "contact_groups": [], "custom_fields": []}


def _filter() -> contacts.ContactFilter:
    f = contacts.ContactFilter(sort=request.args.get("sort", "name").strip()[:40] or "name")
    try:
        for field, values in parse(request.args.get("q", "")):
            value = values[0] if values else ""
            if field is None:
                f.name = f"{f.name} {value}".strip()
            elif field in FILTERS:
                setattr(f, FILTERS[field], value)
            elif field in ("created_since", "updated_since"):
                setattr(f, field, day(value))
            else:
                raise BadQuery(f"Search by name, email, phone, created_since or updated_since, not {field[:40]}.")
    except BadQuery as exc:
        raise InvalidInput([("q", "invalid", str(exc))]) from None
    return f


@route("/users/", "GET", "users.list")
def list_users(caller) -> dict:
    workflow.require(caller.staff)
    problems: list = []
    page = whole_number("page", 1, 1_000_000, problems)
    size = whole_number("size", DEFAULT_SIZE, MAX_SIZE, problems)
    f = _filter()
    if problems:
        raise InvalidInput(problems)
    try:
        query = contacts.contact_query(f)
    except ValidationFailed as exc:
        raise from_service(exc) from None

    def render(rows):
        counts = contacts.ticket_counts(c.email for c in rows)
        return [contact(c, counts) for c in rows]
    return paged(query.options(selectinload(Customer.phones)), page, size, render)


@route("/user/<ref>/", ("GET", "POST"), "users.get")
def one_user(caller, ref):
    workflow.require(caller.staff)
    customer = contacts.get_contact(ref)
    if request.method == "POST":
        no_files()
        values = body_values()
        if not isinstance(values, dict):
            raise InvalidInput([("", "invalid_type", "The body must be an object.")])
        customer = _save(Input(values), customer)
    return contact(customer)


def _phones(body: Input) -> list[contacts.PhoneInput] | None:
    raw = body.raw("phones")
    if isinstance(raw, str) and raw.strip():
        try:  # a form sends the list as JSON text
            raw = json.loads(raw)
        except ValueError:
            body.problem("phones", "invalid", "Send phones as a list of {type, number, is_primary}.")
            return None
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) > contacts.MAX_PHONES * 2:
        body.problem("phones", "invalid_type", "Send phones as a list of {type, number, is_primary}.")
        return None
    phones = []
    for number, item in enumerate(raw):
        one = Input(item if isinstance(item, dict) else {}, f"phones.{number}", body.problems)
        if not isinstance(item, dict):
            one.problem("", "invalid_type", "A phone is an object {type, number, is_primary}.")
            continue
        phone = contacts.PhoneInput(number=one.text("number", required=True, max_length=contacts.MAX_NUMBER),
                                    kind=one.text("type", max_length=2) or None,
                                    is_primary=one.boolean("is_primary") if one.has("is_primary") else None,
                                    phone_id=one.integer("id", low=1))
        extra = sorted(str(k) for k in item if k not in one.read)
        if extra:
            one.problem("", "extra_fields", f"Unexpected field names: {', '.join(extra)[:200]}")
        phones.append(phone)
    return phones


def _save(body: Input, customer: Customer | None) -> Customer:
    email = body.text("email", required=customer is None) if (customer is None or body.has("email")) else None
    name = body.text("name", max_length=200) if body.has("name") else None
    phones = _phones(body)
    if body.has("is_login_enabled") and not body.boolean("is_login_enabled", default=True):
        body.problem("is_login_enabled", "not_supported", "Every contact may sign in to the portal here.")
    for key in list(body.values):
        if str(key).startswith("c-cf-") and body.raw(key) not in (None, ""):
            body.problem(key, "not_supported", "This help desk keeps no contact custom fields.")
    body.done()
    try:
        saved, _ = contacts.save_contact(email, customer=customer, name=name, phones=phones)
    except ValidationFailed as exc:
        raise from_service(exc) from None
    return saved


@route("/users/", "POST", "users.create")
def save_users(caller):
    """One contact (the contact answered), or a JSON list of them: each in its own savepoint, answered
    ``{success, id}`` or ``{success: false, error}`` in order."""
    workflow.require(caller.staff)
    no_files()
    values = body_values()
    if not isinstance(values, list):
        return contact(_save(Input(values), None))
    if len(values) > MAX_BULK:
        raise InvalidInput([("", "too_many", f"Send at most {MAX_BULK} contacts at once.")])
    results = []
    for item in values:
        try:
            if not isinstance(item, dict):
                raise InvalidInput([("", "invalid_type", "Each contact should be an object.")])
            with db.session.begin_nested():
                saved = _save(Input(item), None)
            results.append({"success": True, "id": saved.id, "email": saved.email})
        except (ValidationFailed, NotFound, Forbidden) as exc:
            error = exc.problems if isinstance(exc, InvalidInput) else \
                [(f, "invalid", m) for f, m in exc.errors] if isinstance(exc, ValidationFailed) else None
            results.append({"success": False,
                            "error": field_errors(error) if error is not None else describe(exc).message})
    return results


@route("/user_custom_fields/", "GET", "user_custom_fields.list")
def list_user_custom_fields(caller) -> list:
    workflow.require(caller.staff)
    return []  # Portico keeps no custom fields on contacts


@route("/contact_groups/", "GET", "contact_groups.list")
def list_contact_groups(caller) -> list:
    workflow.require(caller.staff)
    return []  # Portico has no contact groups
