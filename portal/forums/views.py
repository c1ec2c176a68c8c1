"""Customer-facing pages for forums (the portal). Built out in issue 4."""
from flask import Blueprint, abort

bp = Blueprint("forums", __name__, url_prefix="/forums")


@bp.route("/topics/<int:topic_id>-<slug>", methods=["GET", "POST"])
def topic(topic_id, slug):
    abort(404)
