"""The help desk's internal address book (HelpSpot's private.addressbook): people staff write to who are
not customers. Any staff member with the ``requests`` right may read and change it. Raises Forbidden,
ValidationFailed."""
from flask_babel import gettext

from ..accounts.services import normalise_email
from ..errors import ValidationFailed
from ..extensions import db
from ..text import single_line, without_controls
from .workflow import require
from .workspace_models import Contact


def create_contact(staff, *, first_name: str, last_name: str, email: str, title: str = "", description: str = "",
                   highlight: bool = False) -> Contact:
    require(staff)
    first_name, last_name = single_line(first_name)[:80], single_line(last_name)[:80]
    email, problem = normalise_email(email)
    errors = [(name, f"Please give the contact's {label}.") for name, label, value in
              (("sFirstName", "first name", first_name), ("sLastName", "last name", last_name)) if not value]
    if problem or not email:
        errors.append(("email", problem or gettext("Please give the contact's email address.")))
    if errors:
        raise ValidationFailed(errors)
    contact = Contact(first_name=first_name, last_name=last_name, email=email, title=single_line(title)[:200],
                      description=without_controls(description or "").strip()[:5000], highlight=bool(highlight))
    db.session.add(contact)
    db.session.flush()
    return contact


def delete_contact(staff, contact_id: int) -> bool:
    require(staff)
    contact = db.session.get(Contact, contact_id) if contact_id else None
    if contact is None:
        return False
    db.session.delete(contact)
    db.session.flush()
    return True


def contacts(staff) -> list[Contact]:
    """Every contact, highlighted first, then by name."""
    require(staff)
    return list(db.session.execute(db.select(Contact).order_by(
        Contact.highlight.desc(), Contact.last_name, Contact.first_name, Contact.id)).scalars())
