"""Customer-facing pages for kb (the portal)."""
from flask import Blueprint

bp = Blueprint("kb", __name__)
