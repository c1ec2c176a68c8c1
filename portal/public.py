"""Shared by the public portal pages (knowledge books, forums): canonical slug URLs, and private things
answered as missing.

Readable URLs carry ``<id>-<slug>``; the slug is decoration, so a link without it (or with an old one,
after a rename) still works and is sent, permanently, to the canonical address.
"""
from flask import redirect, request, url_for

from .auth import current_staff
from .errors import Forbidden, NotFound


def canonical_redirect(endpoint: str, slug: str | None, canonical: str, **ids):
    """A 301 to the canonical URL when the slug in the address differs, else None. Query arguments stay."""
    if slug == canonical:
        return None
    return redirect(url_for(endpoint, **ids, slug=canonical, **request.args.to_dict()), 301)


def visible(getter, *args):
    """Call a service getter as the current viewer. A customer asking for something private gets a 404,
    as if it did not exist: the portal never confirms that a private book or forum is there."""
    try:
        return getter(*args, staff=current_staff())
    except Forbidden:
        raise NotFound("That page does not exist or is not public.") from None
