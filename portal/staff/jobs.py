"""The outbox on the administrators' pages: jobs not delivered, with their last error, to retry or discard.

The rules (who may, which states) are ``portal.outbox.services``'.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..extensions import db
from ..outbox import services as outbox
from .common import confirm_page, confirmed, int_or_none
from .views import bp

PER_PAGE = 50


@bp.get("/admin/jobs")
@staff_required("admin")
def admin_jobs():
    state = request.args.get("state") or None
    query = outbox.jobs_query(current_staff(), state)
    jobs = db.paginate(query, page=int_or_none(request.args.get("page")) or 1, per_page=PER_PAGE, error_out=False)
    return render_template("staff/admin/jobs.html", jobs=jobs, state=state, states=outbox.SHOWN,
                           counts=outbox.counts(), oldest=outbox.oldest_pending_age())


def _back():
    return redirect(url_for("staff.admin_jobs", state=request.form.get("state") or None))


@bp.post("/admin/jobs/<int:job_id>/retry")
@staff_required("admin")
def admin_retry_job(job_id):
    job = outbox.retry_job(current_staff(), job_id)
    flash(gettext("Job %(job_id)s (%(kind)s) will be delivered again shortly.", job_id=job.id, kind=job.kind),
          "success")
    return _back()


@bp.post("/admin/jobs/<int:job_id>/discard")
@staff_required("admin")
def admin_discard_job(job_id):
    if not confirmed():
        return confirm_page(gettext("Discard job"), gettext("The job is deleted and will never be delivered."),
                            cancel=url_for("staff.admin_jobs"), button=gettext("Discard job"))
    job = outbox.discard_job(current_staff(), job_id)
    flash(gettext("Job %(job_id)s (%(kind)s) discarded.", job_id=job.id, kind=job.kind), "success")
    return _back()
