"""Each staff member's notification choices (a part of the profile page) and the unsubscribe link of the
notification mails. The rules are ``portal.notifications.services``'."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..accounts import services as accounts
from ..auth import current_staff, staff_required
from ..errors import ValidationFailed
from ..extensions import csrf, db
from ..i18n import INTERFACE_LOCALES
from ..notifications import services as notifications
from ..notifications.models import KINDS
from ..requests.models import Category
from ..unit_of_work import abandon
from ..urls import whole_number
from .views import bp


def notification_choices(staff) -> dict:
    """What the profile page shows of the staff member's notification choices."""
    categories = db.session.scalars(db.select(Category).where(Category.deleted.is_(False))
                                    .order_by(Category.name, Category.id)).all()
    return {"notification_kinds": [(kind, notifications.LABELS[kind]) for kind in KINDS],
            "interface_languages": INTERFACE_LOCALES,
            "notification_preferences": notifications.preferences(staff),
            "followed": notifications.followed_category_ids(staff), "categories": categories}


@bp.post("/profile/notifications")
@staff_required()
def save_notifications():
    kinds = {kind for kind in request.form.getlist("kinds")}
    category_ids = {whole_number(value) or 0 for value in request.form.getlist("categories")}
    notifications.save_preferences(current_staff(), kinds, category_ids)
    flash(gettext("Your notification choices are saved."), "success")
    return redirect(url_for("staff.profile", _anchor="notifications"), 303)


@bp.post("/profile/language")
@staff_required()
def save_language():
    """The staff member's interface language (pages and notification mails), chosen on the profile page."""
    try:
        accounts.set_interface_language(current_staff(), request.form.get("language"))
    except ValidationFailed as exc:
        abandon()
        flash(exc.message, "error")
        return redirect(url_for("staff.profile", _anchor="language"), 303)
    flash(gettext("Your language is saved."), "success")
    return redirect(url_for("staff.profile", _anchor="language"), 303)


@bp.route("/notifications/stop/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click" without a cookie
def stop_notifications(token):
    """The unsubscribe link of a notification: a page with a button (GET changes nothing, so a mail scanner
    opening it stops nothing), and the target of the one-click POST. No login: the signed link is enough."""
    staff, kind = notifications.stop_target(token)
    if request.method == "POST":
        notifications.stop(token)
    return render_template("staff/stop_notifications.html", staff=staff, label=notifications.LABELS[kind],
                           done=request.method == "POST")
