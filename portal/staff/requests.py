"""The request queue and a request's page: reply, note, change, close, trash, spam, attachments."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import files as filestore
from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..forms import errors_by_field
from ..requests import access_links, assignment, filters, staff_reads, workflow
from ..requests import queue as request_queue
from ..requests import tags as request_tags
from ..unit_of_work import abandon
from . import workspace
from .common import checked, confirm_page, confirmed, int_or_none, uploads
from .views import bp


def _criteria(values) -> request_queue.QueueFilter:
    view = values.get("view", "open")
    return request_queue.QueueFilter(view=view if view in request_queue.VIEWS else "open",
                                     category_id=int_or_none(values.get("category")),
                                     status_id=int_or_none(values.get("status")),
                                     q=values.get("q", "")[:200], tag=values.get("tag", "")[:100])


def _render_queue(f, chosen=None, errors=None, status=200):
    staff = current_staff()
    page = int_or_none(request.args.get("page")) or 1
    result = request_queue.queue_rows(staff, f, page=page)
    categories, statuses, tags = request_queue.filter_choices()
    return render_template("staff/requests/queue.html", result=result, f=f, views=request_queue.VIEWS,
                           categories=categories, statuses=statuses, tags=tags,
                           saved=filters.saved_filter_rows(staff), chosen=chosen, staff=staff,
                           filter_errors=errors or {}), status


@bp.get("/requests")
@staff_required("requests")
def queue():
    if request.args.get("filter"):  # a saved view: its criteria, whatever else the address says
        chosen = filters.find(current_staff(), request.args["filter"][:20])
        return _render_queue(chosen.criteria, chosen)
    return _render_queue(_criteria(request.args))


@bp.post("/requests/filters")
@staff_required("requests")
def save_filter():
    f = _criteria(request.form)
    try:
        saved = filters.save(current_staff(), request.form.get("name", ""), f, shared=checked("shared"))
    except ValidationFailed as exc:
        abandon()
        return _render_queue(f, errors=errors_by_field(exc), status=400)
    flash(gettext('Saved the view "%(view)s".', view=saved.name), "success")
    return redirect(url_for("staff.queue", filter=saved.id))


@bp.post("/requests/filters/<int:filter_id>")
@staff_required("requests")
def rename_filter(filter_id):
    try:
        saved = filters.update(current_staff(), filter_id, name=request.form.get("name", ""),
                               shared=checked("shared"))
    except ValidationFailed as exc:
        abandon()
        chosen = filters.find(current_staff(), filter_id)
        return _render_queue(chosen.criteria, chosen, errors=errors_by_field(exc), status=400)
    flash(gettext('Saved the view "%(view)s".', view=saved.name), "success")
    return redirect(url_for("staff.queue", filter=saved.id))


@bp.post("/requests/filters/<int:filter_id>/delete")
@staff_required("requests")
def delete_filter(filter_id):
    chosen = filters.find(current_staff(), filter_id)
    if not confirmed():
        return confirm_page(gettext('Delete the view "%(view)s"', view=chosen.name),
                            gettext("The requests stay; only the saved view goes."),
                            cancel=url_for("staff.queue", filter=filter_id), button=gettext("Delete view"))
    filters.delete(current_staff(), filter_id)
    flash(gettext('Deleted the view "%(view)s".', view=chosen.name), "success")
    return redirect(url_for("staff.queue"))


@bp.get("/requests/<int:request_id>")
@staff_required("requests")
def request_page(request_id):
    staff = current_staff()
    req = request_queue.get_request(staff, request_id)
    if req.id != request_id:  # merged into another: its page is the one that survived
        return redirect(url_for("staff.request_page", request_id=req.id))
    return render_template("staff/requests/request.html", req=req, history=staff_reads.history(staff, req),
                           categories=request_queue.live_categories(), statuses=request_queue.active_statuses(),
                           people=assignment.assignable_staff(), errors=request.args.get("error"),
                           contact=staff_reads.contact(staff, req), **workspace.request_context(req, staff))


def _back(req, message=None, category="success"):
    if message:
        flash(message, category)
    return redirect(url_for("staff.request_page", request_id=req.id))


@bp.post("/requests/<int:request_id>/notes")
@staff_required("requests")
def add_note(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    public = request.form.get("visibility") == "public"
    try:
        workflow.add_staff_note(req, current_staff(), request.form.get("body", ""), public=public,
                                uploads=uploads())
    except ValidationFailed as exc:
        abandon()
        return _back(req, exc.message, "error")
    if not public:
        return _back(req, gettext("Private note added."))
    # Mail goes out after the commit, from a thread: say what was queued, never that it arrived. A mail
    # that fails writes a line into this request's history (workflow.record_mail_failure).
    reason = workflow.why_no_reply_mail(req)
    return _back(req, gettext("Reply sent; an email with a link to it is on its way to %(email)s.", email=req.email)
                 if reason is None
                 else gettext("Reply added; no email was sent (%(reason)s).", reason=reason))


@bp.post("/requests/<int:request_id>/update")
@staff_required("requests")
def update(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    try:
        changes = workflow.update_request(
            req, current_staff(), status_id=int_or_none(request.form.get("status")),
            category_id=int_or_none(request.form.get("category")),
            assigned_to_id=int_or_none(request.form.get("assigned_to")), urgent=checked("urgent"),
            tags=request_tags.named(request_tags.split(request.form["tags"])) if "tags" in request.form else None)
    except ValidationFailed as exc:
        abandon()
        return _back(req, exc.message, "error")
    return _back(req, "; ".join(changes) + "." if changes else gettext("Nothing changed."),
                 "success" if changes else "info")


@bp.post("/requests/<int:request_id>/close")
@staff_required("requests")
def close(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.close(req, current_staff())
    return _back(req, gettext("Request closed."))


@bp.post("/requests/<int:request_id>/reopen")
@staff_required("requests")
def reopen(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.update_request(req, current_staff(), is_open=True)
    return _back(req, gettext("Request reopened."))


@bp.post("/requests/<int:request_id>/trash")
@staff_required("requests")
def trash(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(gettext("Move request %(request_id)s to the trash", request_id=req.id),
                            gettext("It leaves the queue until restored."),
                            cancel=url_for("staff.request_page", request_id=req.id), button=gettext("Move to trash"))
    workflow.trash(req, current_staff())
    return _back(req, gettext("Moved to the trash."))


@bp.post("/requests/<int:request_id>/restore")
@staff_required("requests")
def restore(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.restore(req, current_staff())
    return _back(req, gettext("Restored from the trash."))


@bp.post("/requests/<int:request_id>/spam")
@staff_required("requests")
def spam(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(gettext("Mark request %(request_id)s as spam", request_id=req.id),
                            gettext("It is closed, unassigned and given the Spam status."),
                            cancel=url_for("staff.request_page", request_id=req.id), button=gettext("Mark as spam"))
    workflow.mark_spam(req, current_staff())
    return _back(req, gettext("Marked as spam."))


@bp.post("/requests/<int:request_id>/not-spam")
@staff_required("requests")
def not_spam(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.not_spam(req, current_staff())
    return _back(req, gettext("No longer spam; the request is open again."))


@bp.post("/requests/<int:request_id>/revoke-links")
@staff_required("requests")
def revoke_links(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(gettext("Withdraw the emailed links of request %(request_id)s", request_id=req.id),
                            gettext("Every link emailed so far for this request stops working at once (use it when a "
                                    "mail reached the wrong person). The customer's access key keeps working, and "
                                    "your next reply emails a new link."),
                            cancel=url_for("staff.request_page", request_id=req.id), button=gettext("Withdraw links"))
    access_links.revoke(req, current_staff())
    return _back(req, gettext("Emailed links withdrawn; the access key still works."))


@bp.get("/files/<int:attachment_id>")
@staff_required("requests")
def attachment(attachment_id):
    item = request_queue.staff_attachment(current_staff(), attachment_id)
    try:
        data = filestore.read(item.sha256)
    except (OSError, ValueError):
        raise NotFound(gettext("That file is no longer available.")) from None
    return filestore.download(data, item.mime_type, item.filename)
