"""The HelpSpot-compatible web-service API at /api/index.php."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
