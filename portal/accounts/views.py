"""Customer-facing pages for accounts (the portal)."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")
