"""The request queue and a request's page: reply, note, change, close, trash, spam, attachments."""

from flask import flash, redirect, render_template, request, url_for

from .. import files as filestore
from ..accounts import contacts
from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..requests import access_links, assignment, services, workflow
from ..requests import queue as request_queue
from ..requests import tags as request_tags
from ..requests.models import Category
from ..unit_of_work import abandon
from .common import checked, confirm_page, confirmed, int_or_none, uploads
from .views import bp


def _choices():
    categories = list(db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                                         .order_by(Category.name)).scalars())
    return categories, services.active_statuses(), assignment.assignable_staff()


@bp.get("/requests")
@staff_required("requests")
def queue():
    view = request.args.get("view", "open")
    f = request_queue.QueueFilter(view=view if view in request_queue.VIEWS else "open",
                                  category_id=int_or_none(request.args.get("category")),
                                  status_id=int_or_none(request.args.get("status")),
                                  q=request.args.get("q", "")[:200], tag=request.args.get("tag", "")[:100])
    page = int_or_none(request.args.get("page")) or 1
    result = request_queue.queue(current_staff(), f, page=page)
    categories, statuses, _ = _choices()
    return render_template("staff/requests/queue.html", result=result, f=f, views=request_queue.VIEWS,
                           categories=categories, statuses=statuses, tags=request_tags.all_tags())


@bp.get("/requests/<int:request_id>")
@staff_required("requests")
def request_page(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if req.id != request_id:  # merged into another: its page is the one that survived
        return redirect(url_for("staff.request_page", request_id=req.id))
    categories, statuses, people = _choices()
    return render_template("staff/requests/request.html", req=req, history=services.history(req, current_staff()),
                           categories=categories, statuses=statuses, people=people,
                           errors=request.args.get("error"), contact=contacts.for_request(req))


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
        return _back(req, "Private note added.")
    # Mail goes out after the commit, from a thread: say what was queued, never that it arrived. A mail
    # that fails writes a line into this request's history (workflow.record_mail_failure).
    reason = workflow.why_no_reply_mail(req)
    return _back(req, f"Reply sent; an email with a link to it is on its way to {req.email}." if reason is None
                 else f"Reply added; no email was sent ({reason}).")


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
    return _back(req, "; ".join(changes) + "." if changes else "Nothing changed.", "success" if changes else "info")


@bp.post("/requests/<int:request_id>/close")
@staff_required("requests")
def close(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.close(req, current_staff())
    return _back(req, "Request closed.")


@bp.post("/requests/<int:request_id>/reopen")
@staff_required("requests")
def reopen(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.update_request(req, current_staff(), is_open=True)
    return _back(req, "Request reopened.")


@bp.post("/requests/<int:request_id>/trash")
@staff_required("requests")
def trash(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(f"Move request {req.id} to the trash", "It leaves the queue until restored.",
                            cancel=url_for("staff.request_page", request_id=req.id), button="Move to trash")
    workflow.trash(req, current_staff())
    return _back(req, "Moved to the trash.")


@bp.post("/requests/<int:request_id>/restore")
@staff_required("requests")
def restore(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.restore(req, current_staff())
    return _back(req, "Restored from the trash.")


@bp.post("/requests/<int:request_id>/spam")
@staff_required("requests")
def spam(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(f"Mark request {req.id} as spam", "It is closed, unassigned and given the Spam status.",
                            cancel=url_for("staff.request_page", request_id=req.id), button="Mark as spam")
    workflow.mark_spam(req, current_staff())
    return _back(req, "Marked as spam.")


@bp.post("/requests/<int:request_id>/not-spam")
@staff_required("requests")
def not_spam(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    workflow.not_spam(req, current_staff())
    return _back(req, "No longer spam; the request is open again.")


@bp.post("/requests/<int:request_id>/revoke-links")
@staff_required("requests")
def revoke_links(request_id):
    req = request_queue.get_request(current_staff(), request_id)
    if not confirmed():
        return confirm_page(f"Withdraw the emailed links of request {req.id}",
                            "Every link emailed so far for this request stops working at once (use it when a mail "
                            "reached the wrong person). The customer's access key keeps working, and your next "
                            "reply emails a new link.",
                            cancel=url_for("staff.request_page", request_id=req.id), button="Withdraw links")
    access_links.revoke(req, current_staff())
    return _back(req, "Emailed links withdrawn; the access key still works.")


@bp.get("/files/<int:attachment_id>")
@staff_required("requests")
def attachment(attachment_id):
    item = request_queue.staff_attachment(current_staff(), attachment_id)
    try:
        data = filestore.read(item.sha256)
    except (OSError, ValueError):
        raise NotFound("That file is no longer available.") from None
    return filestore.download(data, item.mime_type, item.filename)
