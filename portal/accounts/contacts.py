"""Contacts: a customer's name and phones, beside the login (``Customer``) they belong to.

One contact per email (the customer row); staff and the APIs create and edit them, and the staff request page
shows the one whose email opened the request. Functions flush, never commit.

- Names are one line, split into first and last name at the first space (each at most 80 characters).
- Phones: at most ``MAX_PHONES``; a type from ``PHONE_TYPES`` ("o" when none is given); a number of digits and
  ``+ - ( ) . /`` and spaces, with a digit. A phone sent with an ``id`` edits that phone of this contact; one
  sent without, whose number the contact already has, edits that one; any other is added. At most one phone
  is primary: marking one unmarks the others, and the first phone is primary when none is.
- Changing a contact's email ends its sessions and asks for the new address to be confirmed again (the
  address is what lets a login read requests). Requests keep the address they were opened with.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func

from ..dates import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..requests.models import Request
from ..text import single_line
from .models import PHONE_TYPES, Customer, CustomerPhone
from .services import end_sessions, normalise_email

MAX_PHONES = 10
MAX_NAME = 80
MAX_NUMBER = 40
NUMBER = re.compile(r"^[0-9+\-(). /]*[0-9][0-9+\-(). /]*$")
SORTS = {"name": (Customer.first_name, Customer.last_name, Customer.id), "email": (Customer.email,),
         "created_at": (Customer.created_at, Customer.id), "updated_at": (Customer.updated_at, Customer.id),
         "id": (Customer.id,)}


@dataclass
class PhoneInput:
    number: str
    kind: str | None = None       # None: "o" for a new phone, unchanged for an edited one
    is_primary: bool | None = None
    phone_id: int | None = None


@dataclass
class ContactFilter:
    name: str = ""
    email: str = ""
    phone: str = ""
    created_since: datetime | None = None
    updated_since: datetime | None = None
    sort: str = "name"            # a key of SORTS, "-" in front for descending


def get_contact(ref) -> Customer:
    """A contact by id (an int or a string of digits) or email. Raises NotFound."""
    text = str(ref).strip()
    customer = None
    if text.isascii() and text.isdigit() and len(text) <= 10:
        customer = db.session.get(Customer, int(text))
    elif "@" in text and len(text) <= 255:
        customer = db.session.execute(db.select(Customer).where(Customer.email == text.lower())).scalar_one_or_none()
    if customer is None:
        raise NotFound(gettext("No such contact."))
    return customer


def contact_query(f: ContactFilter):
    """A select of the contacts matching every given filter (substrings, case ignored), in ``f.sort`` order.
    Raises ValidationFailed for an unknown sort key."""
    key = f.sort.lstrip("-") or "name"
    if key not in SORTS:
        raise ValidationFailed(("sort", gettext("Sort by one of: %(sorts)s (with - in front for descending).",
                                                   sorts=", ".join(SORTS))))
    query = db.select(Customer)
    if f.name.strip():
        words = f"%{_like(f.name.strip().lower())}%"
        whole = func.lower(Customer.first_name + " " + Customer.last_name)
        query = query.where(whole.like(words, escape="\\"))
    if f.email.strip():
        query = query.where(Customer.email.like(f"%{_like(f.email.strip().lower())}%", escape="\\"))
    if f.phone.strip():
        digits = f"%{_like(f.phone.strip())}%"
        query = query.where(Customer.id.in_(db.select(CustomerPhone.customer_id)
                                            .where(CustomerPhone.number.like(digits, escape="\\"))))
    if f.created_since is not None:
        query = query.where(Customer.created_at >= f.created_since)
    if f.updated_since is not None:
        query = query.where(func.coalesce(Customer.updated_at, Customer.created_at) >= f.updated_since)
    columns = SORTS[key]
    return query.order_by(*(c.desc() for c in columns) if f.sort.startswith("-") else columns)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ticket_counts(emails) -> dict[str, tuple[int, int]]:
    """email -> (requests, open requests), trashed ones left out, in one query."""
    emails = [e for e in set(emails) if e]
    if not emails:
        return {}
    rows = db.session.execute(
        db.select(Request.email, func.count(Request.id),
                  func.sum(db.case((Request.is_open.is_(True), 1), else_=0)))
        .where(Request.email.in_(emails), Request.trashed.is_(False)).group_by(Request.email))
    return {email: (total, int(pending or 0)) for email, total, pending in rows}


def save_contact(email: str | None, *, customer: Customer | None = None, name: str | None = None,
                 phones: list[PhoneInput] | None = None) -> tuple[Customer, bool]:
    """Create or edit a contact: ``customer`` given, that one (``email`` None keeps its email); else the one
    with ``email``, created when missing. ``name`` and ``phones`` None leave them as they are. Returns
    (contact, created). Raises ValidationFailed listing every bad field."""
    errors: list[tuple[str, str]] = []
    address, reason = normalise_email(email or "")
    if email is not None and (reason or not address):
        errors.append(("email", reason or gettext("This field is required.")))
    first = last = ""
    if name is not None:
        first, _, last = single_line(name).partition(" ")
        if len(first) > MAX_NAME or len(last.strip()) > MAX_NAME:
            errors.append(("name", gettext("A name is at most %(max_name)s characters before and after its first "
                                           "space.", max_name=MAX_NAME)))
    if customer is None and not errors and email is not None:
        customer = db.session.execute(db.select(Customer).where(Customer.email == address)).scalar_one_or_none()
    elif customer is not None and not errors and email is not None and address != customer.email:
        taken = db.session.execute(db.select(Customer.id).where(Customer.email == address)).scalar_one_or_none()
        if taken is not None:
            errors.append(("email", gettext("Another contact has this email.")))
    if phones is not None:
        errors.extend(_check_phones(phones, customer))
    if errors:
        raise ValidationFailed(errors)
    created = customer is None
    if customer is None:
        customer = Customer(email=address)
        db.session.add(customer)
    elif email is not None and address != customer.email:
        customer.email, customer.email_confirmed_at = address, None
        end_sessions(customer)
    if name is not None:
        customer.first_name, customer.last_name = first, last.strip()
    if phones is not None:
        _apply_phones(customer, phones)
    customer.updated_at = utcnow()
    db.session.flush()
    return customer, created


def _check_phones(phones: list[PhoneInput], customer: Customer | None) -> list[tuple[str, str]]:
    errors = []
    own = {p.id for p in customer.phones} if customer is not None else set()
    for phone in phones:
        number = single_line(phone.number or "")
        if not number or len(number) > MAX_NUMBER or not NUMBER.match(number):
            errors.append(("phones", gettext("A phone number is digits, spaces and + - ( ) . /, at most "
                                             "%(max_number)s.", max_number=MAX_NUMBER)))
        if phone.kind is not None and phone.kind not in PHONE_TYPES:
            errors.append(("phones", gettext("A phone type is one of: %(types)s.",
                                                               types=", ".join(PHONE_TYPES))))
        if phone.phone_id is not None and phone.phone_id not in own:
            errors.append(("phones", gettext("This contact has no phone with this id.")))
    added = {single_line(p.number or "") for p in phones if p.phone_id is None}
    kept = {p.number for p in customer.phones} if customer is not None else set()
    if len(kept | added) > MAX_PHONES:
        errors.append(("phones", gettext("A contact has at most %(max_phones)s phones.", max_phones=MAX_PHONES)))
    return errors[:1] if errors else []


def _apply_phones(customer: Customer, phones: list[PhoneInput]) -> None:
    for phone in phones:
        number = single_line(phone.number)
        row = next((p for p in customer.phones if p.id == phone.phone_id), None) if phone.phone_id else \
            next((p for p in customer.phones if p.number == number), None)
        if row is None:
            row = CustomerPhone(number=number, kind=phone.kind or "o", is_primary=False)
            customer.phones.append(row)
        row.number = number
        if phone.kind is not None:
            row.kind = phone.kind
        if phone.is_primary:
            for other in customer.phones:
                other.is_primary = other is row
        elif phone.is_primary is False:
            row.is_primary = False
    if customer.phones and not any(p.is_primary for p in customer.phones):
        customer.phones[0].is_primary = True


def for_request(req: Request) -> Customer | None:
    """The contact whose email opened ``req``, or None."""
    if not req.email:
        return None
    return db.session.execute(db.select(Customer).where(Customer.email == req.email)).scalar_one_or_none()

