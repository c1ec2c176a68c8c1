"""Helpers the staff views share: uploads from a form, confirmation of destructive actions, form ints."""
from flask import render_template, request
from flask_babel import gettext

from ..files import Upload
from ..urls import whole_number


def uploads(field: str = "attachments") -> list[Upload]:
    """The files sent in a multipart form field, skipping the empty part a blank file input sends."""
    files = []
    for item in request.files.getlist(field):
        if item and item.filename:
            files.append(Upload(filename=item.filename, data=item.read(), mime_type=item.mimetype or ""))
    return files


def int_or_none(value) -> int | None:
    """A whole number typed in a form or a query string, within INTEGER range, else None."""
    return whole_number(value)


def checked(name: str) -> bool:
    return request.form.get(name) in ("1", "on", "true", "yes")


def confirmed() -> bool:
    """Destructive forms carry a required ``confirm`` checkbox (works without JavaScript)."""
    return checked("confirm")


def confirm_page(title: str, message: str, *, cancel: str, button: str | None = None, hidden: dict | None = None):
    """Ask again before a destructive action: the same URL, posted with ``confirm`` ticked."""
    return render_template("staff/confirm.html", title=title, message=message, action=request.path,
                           cancel=cancel, button=button or gettext("Confirm"), hidden=hidden or {}), 200
