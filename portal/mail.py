"""Outgoing mail over SMTP. A failure to send is logged and reported, never raised to the caller,
so no request or post is lost because the mail server is down.

Mail is a job in the outbox (portal.outbox), written in the transaction of the change that sends it: it
exists exactly when the change committed, and a worker sends it, retrying while the SMTP server is down.
Every mail says it was sent by a program (``Auto-Submitted: auto-generated``, or ``auto-replied`` for the
answer to a customer's own mail), so well-behaved responders never answer it and mail loops never start;
notifications carry ``List-Unsubscribe`` (RFC 8058 one-click) too.

A page never waits for SMTP, and its timing does not reveal whether it sent mail (the forgotten-password
form answers alike for known and unknown addresses). With OUTBOX_INLINE the mail is sent right after the
commit by this process instead (in a small thread pool when MAIL_ASYNC is on), one attempt.

Anyone can type anyone's address into a form, so mail to an address nobody has confirmed (a request's,
a forum subscription still pending) is a fixed text with links: never a subject, name or message the
caller chose. Every header value is made one line here, whatever the caller passes.
"""
import logging
import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import force_locale

from . import files, i18n, outbox, settings
from .text import single_line

log = logging.getLogger(__name__)
MAIL_JOB = "mail"
SUBJECT_LIMIT = 250
# Headers fold at RFC 5322's 998 characters, not 78: the email package would otherwise turn a long
# List-Unsubscribe URL into encoded words that mail programs cannot open.
POLICY = policy.default.clone(max_line_length=998)
# The domain of our Message-IDs: inbound mail carrying one of them is our own, come back (portal.inbound).
MESSAGE_ID_DOMAIN = "portico"
AUTO_GENERATED, AUTO_REPLIED = "auto-generated", "auto-replied"


def new_message_id() -> str:
    return make_msgid(domain=MESSAGE_ID_DOMAIN)


def is_our_message_id(value: str | None) -> bool:
    return (value or "").strip().rstrip(">").lower().endswith("@" + MESSAGE_ID_DOMAIN)


def is_configured() -> bool:
    """Whether mail leaves this help desk at all (without MAIL_SERVER it is only logged)."""
    return bool(current_app.config["MAIL_SERVER"])


def send_after_commit(to: str, title: str, template: str, *, headers: dict | None = None,
                      on_failure: tuple | None = None, attachments: list[dict] | None = None,
                      locale: str | None = None, **context) -> bool:
    """Queue a mail in the outbox, in the current unit of work: it is sent once the change commits (by a
    worker, or right after the commit with OUTBOX_INLINE), never if it rolls back. Every value it needs is
    resolved now and stored as JSON. Returns whether a mail will be attempted.

    ``on_failure`` is ``(module-level function, *plain values)``: called with those values when the mail
    cannot be sent at all (the job is dead), in an app context; it must open its own session.
    ``locale``: the language the body is written in, when the caller knows the reader's (a staff member's
    mail: ``i18n.staff_mail_locale``); else that of the page that caused it (``i18n.mail_locale``).
    ``attachments``: stored files to attach, ``{"filename", "mime_type", "sha256"}`` each."""
    if not to:
        return False
    context.setdefault("portal_name", settings.get("portal_name"))
    message_id = new_message_id()  # the job's idempotency key: a receiver can drop a repeat
    failure = [outbox.services.function_path(on_failure[0]), *on_failure[1:]] if on_failure else None
    outbox.enqueue(MAIL_JOB, {"to": to, "title": title, "template": template, "context": context,
                              "headers": headers, "message_id": message_id, "on_failure": failure,
                              "attachments": attachments or [], "locale": locale or i18n.mail_locale()},
                   key=message_id)
    return is_configured()


def deliver(payload: dict) -> None:
    """Send one queued mail (the outbox's delivery of ``mail`` jobs). Raises :class:`outbox.Retry` when it
    could not be sent; a mail server not configured is not a failure (the mail is only logged)."""
    try:
        with force_locale(payload.get("locale") or "en"):  # the language of the page that caused it
            sent = send(payload["to"], payload["title"], payload["template"], headers=payload.get("headers"),
                        message_id=payload.get("message_id"), attachments=payload.get("attachments"),
                        **payload["context"])
    except Exception:  # a template or encoding error: logged here, then retried like any failure
        log.exception("mail to %s could not be prepared", payload["to"])
        raise
    if not sent and is_configured():
        raise outbox.Retry(f"mail to {payload['to']} was not sent")


def report_failure(payload: dict) -> None:
    """The mail is dead (out of attempts): run its ``on_failure`` (a history line on the request)."""
    if payload.get("on_failure") and is_configured():
        path, *args = payload["on_failure"]
        outbox.services.resolve(path)(*args)


def init_app(app) -> None:
    outbox.register(MAIL_JOB, deliver, max_attempts=app.config.get("MAIL_ATTEMPTS", 10), on_dead=report_failure)


def header_value(value: str) -> str:
    """A header value on one line. A CR or LF would end the header (the email package refuses such a value,
    and the mail was lost); any other control character has no business there either."""
    return single_line(value)


def send(to: str, title: str, template: str, *, headers: dict | None = None, message_id: str | None = None,
         attachments: list[dict] | None = None, **context) -> bool:
    """Render ``templates/email/<template>.txt`` and send it to one address. Returns whether it was sent.

    Never touches the database, so it can run after a commit."""
    if not to:
        return False
    if header_value(to) != to or "," in to:  # one plain address, nothing more (no added recipients)
        log.error("mail not sent: the address %r is not a single address on one line", to)
        return False
    config = current_app.config
    message = EmailMessage(policy=POLICY)
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject = header_value(title)[:SUBJECT_LIMIT]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or new_message_id()
    headers = {"Auto-Submitted": AUTO_GENERATED, **(headers or {})}
    for name, value in headers.items():
        message[name] = header_value(value)
    context.setdefault("portal_name", "Portico")
    context.setdefault("public_url", config["PUBLIC_URL"])
    # The bare Jinja template, without context processors (they would read settings from the database).
    message.set_content(current_app.jinja_env.get_template(f"email/{template}.txt").render(**context))
    for attachment in attachments or ():
        maintype, _, subtype = (attachment.get("mime_type") or "application/octet-stream").partition("/")
        message.add_attachment(files.read(attachment["sha256"]), maintype=maintype,
                               subtype=subtype or "octet-stream", filename=attachment["filename"])

    if not config["MAIL_SERVER"]:
        log.info("mail not sent (MAIL_SERVER is not set): to=%s subject=%r", to, subject)
        return False
    try:
        smtp: smtplib.SMTP
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"],
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
        with smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("mail to %s failed: %s", to, exc)
        return False
    log.info("mail sent: to=%s subject=%r", to, subject)
    return True
