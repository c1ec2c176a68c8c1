"""Shared by the public portal pages (home, knowledge books, forums, search): canonical slug URLs, private
things answered as missing, and the "only logged-in customers" switch.

Readable URLs carry ``<id>-<slug>``; the slug is decoration, so a link without it (or with an old one,
after a rename) still works and is sent, permanently, to the canonical address.
"""
from flask import redirect, request, url_for
from flask_babel import gettext

from . import settings
from .auth import current_customer, current_staff
from .errors import Forbidden, NotFound
from .urls import kept_query_arguments


def canonical_redirect(endpoint: str, slug: str | None, canonical: str, **ids):
    """A 301 to the canonical URL when the slug in the address differs, else None. Plain query arguments
    stay (``kept_query_arguments``)."""
    if slug == canonical:
        return None
    # kept_query_arguments leaves out url_for's own keywords (_external, _anchor...), which mypy cannot know.
    url = url_for(endpoint, **ids, slug=canonical, **kept_query_arguments(endpoint))  # type: ignore[arg-type]
    return redirect(url, 301)


def visible(getter, *args):
    """Call a service getter as the current viewer. A customer asking for something private gets a 404,
    as if it did not exist: the portal never confirms that a private book or forum is there."""
    try:
        return getter(*args, staff=current_staff())
    except Forbidden:
        raise NotFound(gettext("That page does not exist or is not public.")) from None


def login_gate():
    """With the ``require_login`` setting on, a visitor must log in before reading the portal (HelpSpot's
    "login required" option). Registered as ``before_request`` on the public blueprints."""
    if not settings.get("require_login") or current_customer() or current_staff():
        return None
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
