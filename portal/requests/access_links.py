"""Signed, expiring, revocable links to one request: what request emails link to.

Why not the access key's page: the key never expires, cannot be withdrawn and opens everything, and a URL
travels (forwarded mails, browser history, a colleague's screen). A link names one request and one scope
(``read``, or ``reply``: read and add an update) and no email address. It is signed with the app's secret
(itsdangerous, HMAC-SHA256), works for ``access_link_days`` after it was issued (the setting as it is when
the link is opened, so shortening it shortens links already sent), and stops at once when staff revoke the
request's links: each request keeps a link generation, a link carries the one it was issued under, and
revoking raises it. The access key keeps working, at /requests/<key> and in the API (HelpSpot's).
"""
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as N_
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from .. import settings
from ..errors import PortalError
from ..extensions import db
from ..urls import external_url
from .models import Request
from .services import add_log
from .workflow import require

READ, REPLY = "read", "reply"
SCOPES = (READ, REPLY)
MAX_TOKEN_CHARS = 200  # a real token is about 60; anything longer is not worth decoding

clock = time.time  # replaced in tests to let time pass

# (lazy: translated when a page shows them, in the visitor's language)
INVALID = N_("This link is not valid. It may have been cut short when it was copied: copy the whole link from "
           "the email, or use your access key.")
EXPIRED = N_("This link has expired: the links in our emails work for %(days)s days.")
REVOKED = N_("This link no longer works: our staff withdrew the links sent for this request, for example after "
           "an email went to the wrong person. Our next email will carry a new link.")
GONE = N_("This link no longer opens a request.")


class LinkRefused(PortalError):
    """A link that opens nothing. ``why``: "invalid" (404), "expired" or "revoked" (410)."""

    def __init__(self, why: str, message: str):
        super().__init__(message)
        self.why = why
        self.status = 404 if why == "invalid" else 410


@dataclass(frozen=True)
class OpenedLink:
    request: Request
    scope: str
    token: str
    expires_at: datetime  # naive UTC, like every stored time

    @property
    def can_reply(self) -> bool:
        return self.scope == REPLY


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portico-request-link", signer=_Signer,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def issue(req: Request, scope: str) -> str:
    """A link token for a flushed request and a scope, under the request's current link generation."""
    if scope not in SCOPES:
        raise ValueError(f"unknown link scope {scope!r}")
    return _serializer().dumps([req.id, scope, req.link_generation or 0])


def link_url(req: Request, scope: str) -> str:
    return external_url("requests.link", token=issue(req, scope))


def mail_links(req: Request) -> dict:
    """What a request email links to: ``link`` (reply scope), ``read_link`` (read only, to share) and
    ``link_days``. With ``access_link_days`` at 0 the operator chose the access key's page instead."""
    days = settings.get("access_link_days")
    if not days:
        return {"link": external_url("requests.check", key=req.access_key), "read_link": None, "link_days": 0}
    return {"link": link_url(req, REPLY), "read_link": link_url(req, READ), "link_days": days}


def open_link(token: str) -> OpenedLink:
    """The request and scope a link opens. Raises LinkRefused: invalid (not ours, altered, cut short, or its
    request is gone), expired, or revoked."""
    days = settings.get("access_link_days")
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise LinkRefused("invalid", str(INVALID))
    try:
        payload, issued = _serializer().loads(token, max_age=days * 86400, return_timestamp=True)
    except SignatureExpired:  # genuine, only too old (or from the future, or links are switched off)
        raise LinkRefused("expired", str(EXPIRED) % {"days": days}) from None
    except BadData:
        raise LinkRefused("invalid", str(INVALID)) from None
    if not (isinstance(payload, list) and len(payload) == 3 and payload[1] in SCOPES
            and all(isinstance(n, int) and not isinstance(n, bool) for n in (payload[0], payload[2]))):
        raise LinkRefused("invalid", str(INVALID))
    request_id, scope, generation = payload
    req = db.session.get(Request, request_id)
    if req is None:  # deleted, or merged into another (whose own links and the old key still work)
        raise LinkRefused("invalid", str(GONE))
    if generation != req.link_generation:
        raise LinkRefused("revoked", str(REVOKED))
    expires_at = issued.replace(tzinfo=None) + timedelta(days=days)
    return OpenedLink(request=req, scope=scope, token=token, expires_at=expires_at)


def revoke(req: Request, staff) -> None:
    """Every link issued so far for this request stops working at once; the access key still works and the
    next email carries a new link. Recorded in the request's history. Raises Forbidden."""
    require(staff)
    req.link_generation = (req.link_generation or 0) + 1
    add_log(req, "Emailed links withdrawn: links sent before now no longer open this request", staff)
    db.session.flush()
