"""Customer-facing pages for requests (the portal). Built out in issue 4."""
from flask import Blueprint, abort

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.route("/<key>", methods=["GET", "POST"])
def check(key):
    abort(404)
