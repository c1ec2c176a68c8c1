"""Bot and spam protection shared by the request form, forum forms and the public API.

- A signed form timestamp (``form_token``): a form sent too fast or too late is a bot's.
- A honeypot field that people never see and bots fill in.
- The link-count rule: text with ``spam_link_count`` or more links is held as spam.
"""
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from . import settings
from .text import count_links

HONEYPOT_FIELD = "website_url"  # looks tempting to a bot; hidden from people with CSS and aria-hidden


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico-form-time")


_last_token: tuple = (None, None, None)  # (secret key, second, token): the same second signs the same way


def form_token(now: float | None = None) -> str:
    """The signed time of this second. Signing is deterministic, so the token of the current second is
    remembered (every page with a form asks for one, and a cached page asks on every reply)."""
    global _last_token
    second, secret = int(now if now is not None else time.time()), current_app.config["SECRET_KEY"]
    if _last_token[:2] != (secret, second):
        _last_token = (secret, second, _serializer().dumps(second))
    return _last_token[2]


def form_is_human(token: str | None, honeypot: str | None, now: float | None = None) -> bool:
    """True when the signed timestamp is genuine, neither too fresh nor too old, and the honeypot is empty."""
    if honeypot:
        return False
    try:
        issued = int(_serializer().loads(token or ""))
    except (BadSignature, ValueError, TypeError):
        return False
    age = (now if now is not None else time.time()) - issued
    return settings.get("form_min_seconds") <= age <= settings.get("form_max_age")


def spam_probability(*texts: str) -> int:
    """0 to 100. The link-count rule gives 100 when any text reaches the configured number of links."""
    threshold = settings.get("spam_link_count")
    links = sum(count_links(text) for text in texts)
    if threshold and links >= threshold:
        return 100
    return min(90, links * 20)


def is_spam(*texts: str) -> bool:
    return spam_probability(*texts) >= 100
