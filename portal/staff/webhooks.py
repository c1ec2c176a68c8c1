"""Webhook endpoints on the administrators' pages: register (the secret shown once), list, disable or
enable, and each endpoint's delivery log. The rules are ``portal.webhooks.services``'."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import ValidationFailed
from ..forms import errors_by_field
from ..unit_of_work import abandon
from ..webhooks import services as webhooks
from .common import confirm_page, confirmed
from .views import bp


def _page(errors=None, created=None, form=None, status=200):
    return render_template("staff/admin/webhooks.html", endpoints=webhooks.endpoints(current_staff()),
                           hooks=webhooks.hook_subscriptions(current_staff()),
                           events=webhooks.EVENTS, errors=errors or {}, created=created, form=form or {},
                           allow_private=webhooks.private_allowed()), status


@bp.route("/admin/webhooks", methods=["GET", "POST"])
@staff_required("admin")
def admin_webhooks():
    if request.method == "GET":
        return _page()
    form = {"url": request.form.get("url", ""), "description": request.form.get("description", ""),
            "events": request.form.getlist("events")}
    try:
        endpoint, secret = webhooks.create_endpoint(current_staff(), form["url"], form["events"],
                                                    form["description"])
    except ValidationFailed as exc:
        abandon()
        return _page(errors_by_field(exc), form=form, status=400)
    # Shown once, in this response only: never flashed nor put in a URL.
    return _page(created=(endpoint.url, secret))


@bp.get("/admin/webhooks/<int:endpoint_id>")
@staff_required("admin")
def admin_webhook(endpoint_id):
    staff = current_staff()
    return render_template("staff/admin/webhook.html", endpoint=webhooks.get_endpoint(staff, endpoint_id),
                           deliveries=webhooks.deliveries(staff, endpoint_id))


@bp.get("/admin/webhooks/hooks/<int:subscription_id>")
@staff_required("admin")
def admin_hook(subscription_id):
    """A REST hook subscription's delivery log (DeskPRO's Zapier hooks), as an endpoint's."""
    staff = current_staff()
    return render_template("staff/admin/webhook.html", hook=webhooks.get_hook(staff, subscription_id),
                           deliveries=webhooks.hook_deliveries(staff, subscription_id))


@bp.post("/admin/webhooks/<int:endpoint_id>/disable")
@staff_required("admin")
def admin_disable_webhook(endpoint_id):
    if not confirmed():
        return confirm_page(gettext("Disable webhook"),
                            gettext("Nothing more is sent to this endpoint until it is enabled again."),
                            cancel=url_for("staff.admin_webhooks"), button=gettext("Disable"))
    endpoint = webhooks.set_active(current_staff(), endpoint_id, False)
    flash(gettext("Webhook to %(endpoint)s disabled.", endpoint=endpoint.url), "success")
    return redirect(url_for("staff.admin_webhooks"))


@bp.post("/admin/webhooks/<int:endpoint_id>/enable")
@staff_required("admin")
def admin_enable_webhook(endpoint_id):
    endpoint = webhooks.set_active(current_staff(), endpoint_id, True)
    flash(gettext("Webhook to %(endpoint)s enabled.", endpoint=endpoint.url), "success")
    return redirect(url_for("staff.admin_webhooks"))
