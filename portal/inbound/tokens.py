"""The signed token that ties a customer's emailed answer to its request.

Reply mails carry it twice: in the Reply-To address (``help+r12-3f9c...@example.com``, when MAIL_REPLY_TO is
set) and in the subject (``[#12-3f9c...]``), since some mail programs answer the From address. It is
``<request id>-<HMAC-SHA256 of the id and the request's password, 16 hex digits>``: nobody without the app's
secret can make one, and a subject naming a request by its number or title alone matches nothing. It does
not expire (customers answer weeks later); a request merged into another is followed to the one it went into.
"""
import hashlib
import hmac
import re

from flask import current_app

from ..extensions import db
from ..requests.models import Request, RequestMerge

DIGITS = 16
_IN_ADDRESS = re.compile(rf"\+r(\d{{1,11}})-([0-9a-f]{{{DIGITS}}})@", re.IGNORECASE)
_IN_SUBJECT = re.compile(rf"\[#(\d{{1,11}})-([0-9a-f]{{{DIGITS}}})\]", re.IGNORECASE)


def _signature(request_id: int, password: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"portico-reply:{request_id}:{password}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:DIGITS]


def token(req: Request) -> str:
    return f"{req.id}-{_signature(req.id, req.password)}"


def subject_tag(req: Request) -> str:
    return f"[#{token(req)}]"


def reply_address(req: Request) -> str | None:
    """MAIL_REPLY_TO plus-addressed with the request's token, or None when it is not set."""
    base = current_app.config.get("MAIL_REPLY_TO") or ""
    local, at, domain = base.rpartition("@")
    if not at or not local:
        return None
    return f"{local}+r{token(req)}@{domain}"


def _verified(request_id: int, signature: str) -> Request | None:
    req = db.session.get(Request, request_id)
    if req is not None:
        return req if hmac.compare_digest(_signature(req.id, req.password), signature.lower()) else None
    merge = db.session.get(RequestMerge, request_id)
    if merge is not None and hmac.compare_digest(_signature(request_id, merge.old_password), signature.lower()):
        return db.session.get(Request, merge.request_id)
    return None


def find_request(addresses: list[str], subject: str) -> Request | None:
    """The request a mail answers: a valid token in one of the addresses it was sent to, else in its
    subject. None when there is none (a forged or altered token counts as none)."""
    for pattern, texts in ((_IN_ADDRESS, addresses), (_IN_SUBJECT, [subject or ""])):
        for text in texts:
            for match in pattern.finditer(text or ""):
                req = _verified(int(match.group(1)), match.group(2))
                if req is not None:
                    return req
    return None
