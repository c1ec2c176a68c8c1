"""Loop protection: which inbound mails are automatic and must not be answered nor turned into requests.

An autoresponder answering our auto-reply, which answers it, which... is how help desks flood each other.
Every mail we send says ``Auto-Submitted`` (RFC 3834), so a polite responder stays quiet; for the others we
skip what announces itself as automatic (below) and cap the auto-replies one address gets a day
(``auto_replies_per_day``, counted in ``portal.inbound.services``).
"""
from email.message import EmailMessage
from email.utils import getaddresses

from flask import current_app

from .. import mail

BULK = {"bulk", "junk", "list"}


def _own_addresses() -> set[str]:
    config = current_app.config
    values = [config.get("MAIL_FROM") or "", config.get("MAIL_REPLY_TO") or ""]
    return {address.lower() for _, address in getaddresses(values) if address}


def why_skip(message: EmailMessage, sender: str) -> str | None:
    """Why this mail is automatic (a reason to record), or None when a person seems to have sent it."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in BULK:
        return f"Precedence: {precedence}"
    if message.get("X-Auto-Response-Suppress") is not None:
        return "X-Auto-Response-Suppress"
    if message.get_content_type() == "multipart/report":
        return "a delivery or read report (multipart/report)"
    return_path = message.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return "a null return path (a bounce)"
    if mail.is_our_message_id(str(message.get("Message-ID", ""))):
        return "our own Message-ID: a mail we sent, come back"
    if not sender:
        return "no sender address"
    local, _, domain = sender.partition("@")
    if {sender, f"{local.split('+')[0]}@{domain}"} & _own_addresses():
        return "sent from our own address"
    return None
