"""The staff workspace under /staff: one blueprint, its routes split by area into sibling modules.

Every route requires a staff login (``staff_required``) and the right of its area; the services check
the right again, so the API and these pages share one rule.
"""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# The route modules attach their views to ``bp`` on import.
from . import (  # noqa: E402,F401,I001
    admin, api_keys, auth, deflection, feedback, forums, jobs, kb, mailboxes, notifications, permissions, requests,
    webhooks, workspace,
)
from ..kb import staff_views  # noqa: E402,F401,I001  (a page's languages, publication and revisions)
