"""Outgoing mail over SMTP. A failure to send is logged and reported, never raised to the caller,
so no request or post is lost because the mail server is down.

With MAIL_ASYNC on (the default), mail queued for after a commit is handed to a small thread pool:
a slow or hanging SMTP server never delays a page, and a page's timing does not reveal whether it
sent mail (the forgotten-password form answers alike for known and unknown addresses). The pool's
threads are joined at interpreter exit, so a graceful worker shutdown still sends what is queued.
"""
import logging
import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from . import settings
from .deferred import defer

log = logging.getLogger(__name__)
_pool: ThreadPoolExecutor | None = None


def send_after_commit(to: str, title: str, template: str, **context) -> None:
    """Queue a mail for after the commit, with every value it needs resolved now (the session
    cannot be used once the transaction is over)."""
    context.setdefault("portal_name", settings.get("portal_name"))
    defer(_dispatch, current_app._get_current_object(), to, title, template, context)


def _dispatch(app, to: str, title: str, template: str, context: dict) -> None:
    global _pool
    if not app.config.get("MAIL_ASYNC", True):
        send(to, title, template, **context)
        return
    if _pool is None:  # created lazily, so each gunicorn worker gets its own after the fork
        _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portico-mail")
    _pool.submit(_send_in_app, app, to, title, template, context)


def _send_in_app(app, to: str, title: str, template: str, context: dict) -> None:
    with app.app_context():
        try:
            send(to, title, template, **context)
        except Exception:  # a template or encoding error must not die silently in a thread
            log.exception("mail to %s could not be prepared", to)


def send(to: str, title: str, template: str, **context) -> bool:
    """Render ``templates/email/<template>.txt`` and send it to one address. Returns whether it was sent.

    Never touches the database, so it can run after a commit."""
    if not to:
        return False
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = title
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="portico")
    context.setdefault("portal_name", "Portico")
    context.setdefault("public_url", config["PUBLIC_URL"])
    # The bare Jinja template, without context processors (they would read settings from the database).
    message.set_content(current_app.jinja_env.get_template(f"email/{template}.txt").render(**context))

    if not config["MAIL_SERVER"]:
        log.info("mail not sent (MAIL_SERVER is not set): to=%s subject=%r", to, title)
        return False
    try:
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
    log.info("mail sent: to=%s subject=%r", to, title)
    return True
