"""The staff workspace under /staff: one blueprint, its routes split by area into sibling modules.

Every route requires a staff login (``staff_required``) and the right of its area; the services check
the right again, so the API and these pages share one rule.
"""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")



@bp.app_template_global()
def portal_url(endpoint: str, **values) -> str | None:
    """A link to a customer-facing page, or None while that page's blueprint lacks the endpoint
    (the portal pages are built on other branches; staff pages must not break without them)."""
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# The route modules attach their views to ``bp`` on import.
from . import admin, api_keys, auth, forums, kb, requests  # noqa: E402,F401
