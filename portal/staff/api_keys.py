"""API keys on the staff pages: each staff member's own on the profile page, everyone's for administrators.

The rules (who may make or revoke which key, what a key may hold) are ``portal.apikeys.services``'.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..accounts.models import Staff
from ..apikeys import services as apikeys
from ..auth import current_staff, staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..unit_of_work import abandon
from ..urls import database_id
from .common import checked, confirm_page, confirmed
from .notifications import notification_choices
from .views import bp


def _create(owner):
    """A key from the form for ``owner``; returns (name, presented key) to show once. Raises ValidationFailed."""
    form = request.form
    key, secret = apikeys.create_key(current_staff(), owner, form.get("name", ""), read_only=checked("read_only"),
                                     tags=form.get("tags", "*"), expires_days=form.get("expires_days"),
                                     hourly=form.get("hourly_limit"), daily=form.get("daily_limit"))
    # Shown once, in this response only: the secret is never stored, flashed or put in a URL.
    return key.name, apikeys.presented(key, secret)


def _profile(errors=None, secret=None, status=200):
    staff = current_staff()
    keys = apikeys.keys_of(staff, staff)
    return render_template("staff/profile.html", tokens=keys, errors=errors or {}, secret=secret,
                           **notification_choices(staff)), status


@bp.get("/profile")
@staff_required("tokens")
def profile():
    return _profile()


@bp.post("/profile/tokens")
@staff_required("tokens")
def create_token():
    try:
        secret = _create(current_staff())
    except ValidationFailed as exc:
        abandon()
        return _profile(errors_by_field(exc), status=400)
    return _profile(secret=secret)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@staff_required("tokens")
def revoke_token(token_id):
    if not confirmed():
        return confirm_page(gettext("Revoke key"), gettext("Programs using this key will stop working at once."),
                            cancel=url_for("staff.profile"), button=gettext("Revoke key"))
    key = apikeys.revoke_key(current_staff(), token_id)
    flash(gettext("Token “%(key)s” revoked.", key=key.name), "success")
    return redirect(url_for("staff.profile"))


def _admin_page(errors=None, secret=None, status=200):
    people = db.session.execute(db.select(Staff).where(Staff.active.is_(True)).order_by(Staff.first_name)).scalars()
    return render_template("staff/admin/api_keys.html", tokens=apikeys.all_keys(current_staff()),
                           people=[(p.id, f"{p.full_name} ({p.email})") for p in people],
                           errors=errors or {}, secret=secret), status


@bp.route("/admin/api-keys", methods=["GET", "POST"])
@staff_required("admin")
def admin_api_keys():
    if request.method == "GET":
        return _admin_page()
    owner = db.session.get(Staff, database_id(request.form.get("staff_id")) or 0)
    try:
        if owner is None:
            raise ValidationFailed(("staff_id", gettext("Choose the staff member the key acts as.")))
        secret = _create(owner)
    except ValidationFailed as exc:
        abandon()
        return _admin_page(errors_by_field(exc), status=400)
    return _admin_page(secret=secret)


@bp.post("/admin/api-keys/<int:token_id>/revoke")
@staff_required("admin")
def admin_revoke_key(token_id):
    if not confirmed():
        return confirm_page(gettext("Revoke key"), gettext("Programs using this key will stop working at once."),
                            cancel=url_for("staff.admin_api_keys"), button=gettext("Revoke key"))
    key = apikeys.revoke_key(current_staff(), token_id)
    flash(gettext("Key “%(key)s” of %(staff)s revoked.", key=key.name, staff=key.staff.full_name), "success")
    return redirect(url_for("staff.admin_api_keys"))
