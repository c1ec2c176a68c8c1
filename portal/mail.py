"""Outgoing mail over SMTP. A failure to send is logged and reported, never raised to the caller,
so no request or post is lost because the mail server is down.

With MAIL_ASYNC on (the default), mail queued for after a commit is handed to a small thread pool:
a slow or hanging SMTP server never delays a page, and a page's timing does not reveal whether it
sent mail (the forgotten-password form answers alike for known and unknown addresses). The pool's
threads are joined at interpreter exit, so a graceful worker shutdown still sends what is queued.

Anyone can type anyone's address into a form, so mail to an address nobody has confirmed (a request's,
a forum subscription still pending) is a fixed text with links: never a subject, name or message the
caller chose. Every header value is made one line here, whatever the caller passes.
"""
import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from . import settings
from .changes import after_commit
from .text import single_line

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None
SUBJECT_LIMIT = 250
# Headers fold at RFC 5322's 998 characters, not 78: the email package would otherwise turn a long
# List-Unsubscribe URL into encoded words that mail programs cannot open.
POLICY = policy.default.clone(max_line_length=998)


def is_configured() -> bool:
    """Whether mail leaves this help desk at all (without MAIL_SERVER it is only logged)."""
    return bool(current_app.config["MAIL_SERVER"])


def send_after_commit(to: str, title: str, template: str, *, headers: dict | None = None,
                      on_failure: tuple | None = None, **context) -> bool:
    """Queue a mail for after the commit, with every value it needs resolved now (the session
    cannot be used once the transaction is over). Returns whether a mail will be attempted.

    ``on_failure`` is ``(function, *plain values)``: called with those values after the commit when the
    mail cannot be sent (from the mail thread, in an app context; it must open its own session)."""
    if not to:
        return False
    context.setdefault("portal_name", settings.get("portal_name"))
    # The mail thread needs the app itself, not the context-local proxy (whose type is shown as Flask).
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(_dispatch, app, to, title, template, context, headers, on_failure)
    return is_configured()


def _dispatch(app, to: str, title: str, template: str, context: dict, headers=None, on_failure=None) -> None:
    global _pool
    if not app.config.get("MAIL_ASYNC", True):
        _send_in_app(app, to, title, template, context, headers, on_failure)
        return
    if _pool is None:  # created lazily, so each gunicorn worker gets its own after the fork
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portico-mail")
    _pool.submit(_send_in_app, app, to, title, template, context, headers, on_failure)


def _send_in_app(app, to: str, title: str, template: str, context: dict, headers=None, on_failure=None) -> None:
    with app.app_context():
        try:
            sent = send(to, title, template, headers=headers, **context)
        except Exception:  # a template or encoding error must not die silently in a thread
            log.exception("mail to %s could not be prepared", to)
            sent = False
        if not sent and on_failure and is_configured():
            function, *args = on_failure
            try:
                function(*args)
            except Exception:
                log.exception("recording that the mail to %s failed did not work either", to)


def header_value(value: str) -> str:
    """A header value on one line. A CR or LF would end the header (the email package refuses such a value,
    and the mail was lost); any other control character has no business there either."""
    return single_line(value)


def send(to: str, title: str, template: str, *, headers: dict | None = None, **context) -> bool:
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
    message["Message-ID"] = make_msgid(domain="portico")
    for name, value in (headers or {}).items():
        message[name] = header_value(value)
    context.setdefault("portal_name", "Portico")
    context.setdefault("public_url", config["PUBLIC_URL"])
    # The bare Jinja template, without context processors (they would read settings from the database).
    message.set_content(current_app.jinja_env.get_template(f"email/{template}.txt").render(**context))

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
