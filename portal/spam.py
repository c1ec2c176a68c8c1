"""Bot and spam protection shared by the request form, forum forms and the public API.

- A signed form token (``form_token``): the time the form was shown and a nonce. A form sent too fast or
  too late is a bot's, and a token works once: a bot cannot load a form once and post with it for 20 minutes.
- A honeypot field that people never see and bots fill in.
- The link-count rule: text with ``spam_link_count`` or more links is held as spam (the API too; the token
  and honeypot cannot apply to an API, whose callers load no form).
"""
import secrets
import time

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from . import security, settings
from .text import count_links

HONEYPOT_FIELD = "website_url"  # looks tempting to a bot; hidden from people with CSS and aria-hidden


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico-form-time")


def form_token(now: float | None = None) -> str:
    """A signed [second, nonce] for one form. A page cache asks for one per reply (pagecache.volatile), so
    each visitor's form has a token of its own."""
    second = int(now if now is not None else time.time())
    return _serializer().dumps([second, secrets.token_urlsafe(12)])


def form_is_human(token: str | None, honeypot: str | None, now: float | None = None) -> bool:
    """True when the token is genuine, neither too fresh nor too old, not used before, and the honeypot is
    empty. A token that passes is used up: sent again within its lifetime, it is refused."""
    if honeypot:
        return False
    try:
        issued, nonce = _serializer().loads(token or "")
        issued = int(issued)
    except (BadData, ValueError, TypeError):  # forged, or a token without nonce (from before this rule)
        return False
    age = (now if now is not None else time.time()) - issued
    if not settings.get("form_min_seconds") <= age <= settings.get("form_max_age"):
        return False  # checked before the nonce is spent: a form sent too soon can be sent again
    return security.first_use(f"form-token/{nonce}", settings.get("form_max_age") - age + 1)


def spam_probability(*texts: str) -> int:
    """0 to 100. The link-count rule gives 100 when any text reaches the configured number of links."""
    threshold = settings.get("spam_link_count")
    links = sum(count_links(text) for text in texts)
    if threshold and links >= threshold:
        return 100
    return min(90, links * 20)


def is_spam(*texts: str) -> bool:
    return spam_probability(*texts) >= 100
