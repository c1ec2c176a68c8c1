"""Outgoing mail over SMTP. A failure to send is logged and reported, never raised to the caller,
so no request or post is lost because the mail server is down."""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from . import settings
from .deferred import defer

log = logging.getLogger(__name__)


def send_after_commit(to: str, title: str, template: str, **context) -> None:
    """Queue a mail for after the commit, with every value it needs resolved now (the session
    cannot be used once the transaction is over)."""
    context.setdefault("portal_name", settings.get("portal_name"))
    defer(send, to, title, template, **context)


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
