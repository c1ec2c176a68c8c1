"""The shape of the portal's request forms: which posted names become which service arguments.

Meaning (valid email, category, custom-field values, file limits, spam) is checked by the services;
here only what the form itself demands: the name and email a customer must give us to answer.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext

from ..files import Upload
from ..urls import database_id
from .models import VIA_WEB_FORM
from .services import RequestInput

REQUIRED = lazy_gettext("This field is required")
FILES_NOT_KEPT = lazy_gettext("Files cannot be kept when the form is shown again: please choose your attachments "
                              "again.")
# Names the template reads back when the form is shown again (custom fields are added per field).
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "title", "category", "note")


@dataclass
class RequestForm:
    data: RequestInput
    uploads: list[Upload]
    values: dict[str, str]  # what was typed, to show the form again
    errors: list[tuple[str, str]]


def uploads_from(files, name: str = "attachments") -> list[Upload]:
    """The files of a multi-file input, skipping the empty part a browser sends when none was chosen."""
    uploads = []
    for storage in files.getlist(name):
        if storage and storage.filename:
            uploads.append(Upload(filename=storage.filename, data=storage.read(),
                                  mime_type=storage.mimetype or ""))
    return uploads


def _int_or_none(raw: str | None) -> int | None:
    return database_id(raw)


def parse_new_request(form, files, *, allow_subject: bool, allow_uploads: bool) -> RequestForm:
    values = {name: form.get(name, "") for name in TEXT_FIELDS}
    values["urgent"] = form.get("urgent", "")
    custom = {}
    for name in form:
        field_id = database_id(name[6:]) if name.startswith("Custom") else None
        if field_id:
            values[name] = form.get(name, "")
            custom[field_id] = form.get(name, "")
    errors = [(name, str(REQUIRED)) for name in ("first_name", "email") if not values[name].strip()]
    data = RequestInput(
        first_name=values["first_name"], last_name=values["last_name"], email=values["email"],
        phone=values["phone"], title=values["title"] if allow_subject else "",
        urgent=values["urgent"] in ("1", "on", "yes"), category_id=_int_or_none(values["category"]),
        custom=custom, note=values["note"], opened_via=VIA_WEB_FORM)
    uploads = uploads_from(files) if allow_uploads else []
    return RequestForm(data=data, uploads=uploads, values=values, errors=errors)


def prefill(args, customer=None) -> dict[str, str]:
    """Values a link may pre-fill (?first_name=&email=&title=&note=&category=), as HelpSpot allows;
    a logged-in customer's email is filled in for them."""
    values = {name: args.get(name, "") for name in TEXT_FIELDS}
    values.update({name: args.get(name, "") for name in args if name.startswith("Custom")})
    if customer is not None and not values["email"]:
        values["email"] = customer.email
    return values
