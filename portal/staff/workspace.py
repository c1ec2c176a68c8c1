"""Staff request handling beyond replies: opening a request for a customer, correcting the customer and the
custom fields, pinning, merging, subscribing, logging time, and canned responses. Each view parses the form,
calls a service in portal.requests, and redirects back to the request."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..requests import editing, merging, responses, services, staff_reads, subscriptions, timelog
from ..requests import fields as custom_fields
from ..requests import queue as request_queue
from ..requests.models import Category
from ..search.query import search_kb
from ..unit_of_work import abandon
from .common import checked, confirm_page, confirmed, int_or_none, uploads
from .views import bp


def request_context(req, staff) -> dict:
    """What the request page shows from the workspace: time, subscription, fields to edit, responses, and a
    response or KB search the staff member asked to insert."""
    inserted = ""
    if (response_id := int_or_none(request.args.get("response"))) is not None:
        try:
            inserted = responses.render(responses.get_response(staff, response_id), req, staff)
        except NotFound:
            inserted = ""
    kb_q = request.args.get("kb_q", "")[:200].strip()
    time_events, time_total = staff_reads.time_log(staff, req)
    values = staff_reads.field_values(staff, req)
    return {"time_events": time_events, "time_total": time_total,
            "subscribed": subscriptions.is_subscribed(req, staff),
            "editable_fields": custom_fields.applicable_fields(req.category, public_only=False),
            "field_values": {value.field_id: value.value for value in values}, "custom_values": values,
            "tag_names": staff_reads.tag_names(staff, req),
            "canned": responses.list_responses(staff), "inserted": inserted, "kb_q": kb_q,
            "kb_hits": search_kb(kb_q, staff=None, per_page=8).hits if kb_q else [],
            "format_duration": timelog.format_duration}


def _back(req, message, category="success", anchor=""):
    flash(message, category)
    return redirect(url_for("staff.request_page", request_id=req.id) + anchor)


def _refused(req, exc: ValidationFailed, anchor=""):
    abandon()
    return _back(req, exc.message, "error", anchor)


@bp.route("/requests/new", methods=["GET", "POST"])
@staff_required("requests")
def new_request():
    staff = current_staff()
    categories = list(db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                                         .order_by(Category.name)).scalars())
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        data = services.RequestInput(
            note=form.get("note", ""), first_name=form.get("first_name", ""), last_name=form.get("last_name", ""),
            email=form.get("email", ""), phone=form.get("phone", ""), user_id=form.get("user_id", ""),
            title=form.get("title", ""), urgent=checked("urgent"), category_id=int_or_none(form.get("category")),
            opened_via=int_or_none(form.get("channel")) or 2,
            custom={fid: value for key, value in form.items()
                    if key.startswith("Custom") and (fid := int_or_none(key[6:])) is not None})
        try:
            req = editing.open_for_customer(staff, data, uploads(), note_public=form.get("visibility") != "private")
        except ValidationFailed as exc:
            abandon()
            for name, reason in exc.errors:
                errors.setdefault(name, []).append(reason)
        else:
            flash(gettext("Request %(request_id)s opened for %(customer)s.", request_id=req.id,
                          customer=req.display_name), "success")
            return redirect(url_for("staff.request_page", request_id=req.id))
    return render_template("staff/requests/new.html", categories=categories, channels=editing.STAFF_CHANNELS,
                           form=form, errors=errors, fields=custom_fields.all_fields(public_only=False))


@bp.post("/requests/<int:request_id>/customer")
@staff_required("requests")
def edit_customer(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    try:
        changes = editing.update_customer(req, current_staff(), **{
            name: request.form[name] for name in ("first_name", "last_name", "email", "phone", "user_id")
            if name in request.form})
    except ValidationFailed as exc:
        return _refused(req, exc, "#customer-details")
    return _back(req, "; ".join(changes) + "." if changes else gettext("Nothing changed."), anchor="#customer-details")


@bp.post("/requests/<int:request_id>/fields")
@staff_required("requests")
def edit_fields(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    # The last value of a name: a checkbox field sends a hidden "0" and, when ticked, "1" after it.
    values = {fid: request.form.getlist(key)[-1] for key in request.form
              if key.startswith("Custom") and (fid := int_or_none(key[6:])) is not None}
    try:
        changes = editing.update_fields(req, current_staff(), values)
    except ValidationFailed as exc:
        return _refused(req, exc, "#custom-fields")
    return _back(req, "; ".join(changes) + "." if changes else gettext("Nothing changed."), anchor="#custom-fields")


@bp.post("/requests/<int:request_id>/notes/<int:note_id>/pin")
@staff_required("requests")
def pin_note(request_id, note_id):
    req = request_queue.get_request(current_staff(), request_id)
    pinned = request.form.get("pinned", "1") == "1"
    editing.pin_note(req, current_staff(), note_id, pinned)
    return _back(req, gettext("Note pinned to the top.") if pinned else gettext("Note unpinned."))


@bp.post("/requests/<int:request_id>/merge")
@staff_required("requests")
def merge(request_id):
    staff = current_staff()
    req = request_queue.get_request(staff, request_id)
    target_id = int_or_none(request.form.get("target"))
    try:
        target = request_queue.get_request(staff, target_id or 0)
    except NotFound:
        return _back(req, gettext("There is no request with that number."), "error", "#merge-request")
    if not confirmed():
        return confirm_page(gettext("Merge request %(request_id)s into request %(target_id)s", request_id=req.id,
                                    target_id=target.id),
                            gettext("Its notes, files, time and tags move to request %(target_id)s, and request "
                                    "%(request_id)s is gone; its access key will open the merged request.",
                                    target_id=target.id, request_id=req.id),
                            cancel=url_for("staff.request_page", request_id=req.id), button=gettext("Merge"),
                            hidden={"target": target.id})
    try:
        merging.merge(req, target, staff)
    except ValidationFailed as exc:
        return _refused(req, exc, "#merge-request")
    flash(gettext("Request %(request_id)s merged into this request.", request_id=request_id), "success")
    return redirect(url_for("staff.request_page", request_id=target.id))


@bp.post("/requests/<int:request_id>/subscription")
@staff_required("requests")
def subscription(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if request.form.get("subscribe") == "1":
        subscriptions.subscribe(req, current_staff())
        return _back(req, gettext("You follow this request."))
    subscriptions.unsubscribe(req, current_staff())
    return _back(req, gettext("You no longer follow this request."))


@bp.post("/requests/<int:request_id>/time")
@staff_required("requests")
def log_time(request_id):
    staff = current_staff()
    req = request_queue.get_request(staff, request_id)
    try:
        raw_day = request.form.get("day", "").strip()
        parts = raw_day.split("-") if raw_day else []
        if raw_day and (len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts)):
            raise ValidationFailed(("day", gettext("Give the day as YYYY-MM-DD.")))
        day = timelog.work_day(*[int(part) for part in parts]) if parts else None
        timelog.add_time(req, staff, duration=request.form.get("time", ""), description=request.form.get(
            "description", ""), work_date=day, billable=checked("billable"))
    except ValidationFailed as exc:
        return _refused(req, exc, "#time-log")
    return _back(req, gettext("Time logged."), anchor="#time-log")


@bp.post("/requests/<int:request_id>/time/<int:event_id>/delete")
@staff_required("requests")
def delete_time(request_id, event_id):
    req = request_queue.get_request(current_staff(), request_id)
    timelog.delete_time(event_id, current_staff())
    return _back(req, gettext("Time entry deleted."), anchor="#time-log")


@bp.post("/requests/<int:request_id>/insert-response")
@staff_required("requests")
def insert_response(request_id):
    """Counts the use, then shows the request with the response filled in, in the reply box."""
    req = request_queue.get_request(current_staff(), request_id)
    response_id = int_or_none(request.form.get("response")) or 0
    responses.use(current_staff(), response_id, req)
    return redirect(url_for("staff.request_page", request_id=req.id, response=response_id) + "#reply")


@bp.route("/responses", methods=["GET", "POST"])
@staff_required("requests")
def canned_responses():
    staff = current_staff()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            responses.create_response(staff, title=request.form.get("title", ""), body=request.form.get("body", ""),
                                      folder=request.form.get("folder", ""), shared=checked("shared"))
        except ValidationFailed as exc:
            abandon()
            for name, reason in exc.errors:
                errors.setdefault(name, []).append(reason)
        else:
            flash(gettext("Response saved."), "success")
            return redirect(url_for("staff.canned_responses"))
    kb_q = request.args.get("kb_q", "")[:200].strip()
    return render_template("staff/responses.html", items=responses.list_responses(staff), errors=errors,
                           form=request.form, kb_q=kb_q,
                           kb_hits=search_kb(kb_q, staff=None, per_page=8).hits if kb_q else [])


@bp.post("/responses/<int:response_id>/delete")
@staff_required("requests")
def delete_canned_response(response_id):
    responses.delete_response(current_staff(), response_id)
    flash(gettext("Response deleted."), "success")
    return redirect(url_for("staff.canned_responses"))
