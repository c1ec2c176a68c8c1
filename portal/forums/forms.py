"""The shape of the portal's forum forms: what a visitor typed, read into the service's PostInput.

Rules (required fields, closed topics, spam) live in ``forums.services``; here only the form fields,
the bot guard and the poster's browser details are read.
"""
import re

from flask import request
from flask_babel import lazy_gettext as N_  # (marks it; translated where flashed)

from .. import spam
from ..auth import current_customer
from .services import PostInput

BOT_MESSAGE = N_("This form was sent too quickly or was open too long. Please check your message and "
               "send it again.")
HELD_MESSAGE = N_("Your post is held for moderation. It will appear once a moderator has reviewed it.")

_OS_PATTERNS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"),
                ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def client_os(user_agent: str) -> str:
    """A short operating-system name from the User-Agent (stored with the post for known-user labels)."""
    return next((name for marker, name in _OS_PATTERNS if marker in (user_agent or "")), "")


def is_human() -> bool:
    """The signed form time and the honeypot of the ``bot_guard()`` macro."""
    return spam.form_is_human(request.form.get("form_token"), request.form.get(spam.HONEYPOT_FIELD))


def post_input(*, with_title: bool) -> PostInput:
    form = request.form
    agent = request.headers.get("User-Agent", "")
    return PostInput(title=form.get("title", "") if with_title else "", body=form.get("body", ""),
                     name=form.get("name", ""), email=form.get("email", ""), url=form.get("url", ""),
                     email_updates=form.get("fEmailUpdate") in ("1", "on", "yes"),
                     ip=request.remote_addr or "", os=client_os(agent), browser=re.sub(r"\s+", " ", agent)[:100])


def blank_form() -> dict:
    """Initial values: a logged-in customer's email is filled in for them."""
    customer = current_customer()
    return {"email": customer.email if customer else ""}
