"""IMAP mailboxes on the administrators' pages: list, add, change, delete, and what became of recent mail.
The rules are ``portal.inbound.services``'."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..inbound import services as inbound
from ..inbound.models import SECURITY
from ..requests.models import Category
from ..unit_of_work import abandon
from .common import confirm_page, confirmed
from .views import bp


@bp.get("/admin/mailboxes")
@staff_required("admin")
def admin_mailboxes():
    return render_template("staff/admin/mailboxes.html", mailboxes=inbound.mailboxes(current_staff()))


def _categories():
    rows = db.session.scalars(db.select(Category).where(Category.deleted.is_(False), Category.public_submit.is_(True))
                              .order_by(Category.name))
    return [(category.id, category.name) for category in rows]


@bp.route("/admin/mailboxes/new", methods=["GET", "POST"])
@bp.route("/admin/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@staff_required("admin")
def admin_mailbox(mailbox_id=None):
    staff = current_staff()
    mailbox = inbound.get_mailbox(staff, mailbox_id) if mailbox_id else None
    errors, form = {}, None
    if request.method == "POST":
        form = {name: request.form.get(name, "") for name in inbound.FIELDS}
        try:
            mailbox = inbound.save_mailbox(staff, mailbox, form)
        except ValidationFailed as exc:
            abandon()
            mailbox = inbound.get_mailbox(staff, mailbox_id) if mailbox_id else None
            errors = errors_by_field(exc)
        else:
            flash(gettext("Mailbox %(mailbox)s saved.", mailbox=mailbox.name), "success")
            return redirect(url_for("staff.admin_mailboxes"), 303)
    values = form or ({name: getattr(mailbox, name) for name in inbound.FIELDS if name != "password"}
                      if mailbox else {"port": 993, "security": "ssl", "folder": "INBOX", "active": True})
    recent = inbound.recent_mail(staff, mailbox.id) if mailbox else []
    return render_template("staff/admin/mailbox.html", mailbox=mailbox, values=values, errors=errors,
                           categories=_categories(), security=SECURITY, recent=recent), 400 if errors else 200


@bp.post("/admin/mailboxes/<int:mailbox_id>/delete")
@staff_required("admin")
def admin_delete_mailbox(mailbox_id):
    if not confirmed():
        return confirm_page(gettext("Delete mailbox"),
                            gettext("Mail in it is no longer read; the requests it opened stay."),
                            cancel=url_for("staff.admin_mailboxes"), button=gettext("Delete mailbox"))
    inbound.delete_mailbox(current_staff(), mailbox_id)
    flash(gettext("Mailbox deleted."), "success")
    return redirect(url_for("staff.admin_mailboxes"), 303)
