"""Staff marking readers' feedback on a knowledge-book page handled (shown on the page's editor view)."""
from flask import flash, redirect, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..kb import feedback as page_feedback
from .views import bp


@bp.post("/kb/feedback/<int:feedback_id>/handled")
@staff_required("kb")
def kb_feedback_handled(feedback_id):
    item = page_feedback.mark_handled(current_staff(), feedback_id)
    flash(gettext("Feedback marked handled."), "success")
    return redirect(url_for("staff.kb_page", page_id=item.page_id, _anchor="feedback"), 303)
