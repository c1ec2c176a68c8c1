"""The portal search page and the request-form suggestions."""
from flask import Blueprint

bp = Blueprint("search", __name__)
