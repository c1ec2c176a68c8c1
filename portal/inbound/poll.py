"""Reading the mailboxes: the worker (``flask worker``) and ``flask inbound poll`` look at each active
mailbox every ``inbound_poll_seconds``, read its unseen mail, and mark each one seen once its outcome is
committed. Each mail is its own unit of work; a mail already recorded (same mailbox, same Message-ID: we
committed it but could not mark it seen) is only marked seen. Several workers never poll one mailbox at once:
each round is claimed by an UPDATE that only one of them wins.
"""
from __future__ import annotations

import imaplib
import logging
import ssl
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError

from .. import settings, unit_of_work
from ..dates import utcnow
from ..extensions import db
from .models import FAILED, PARKED, InboundMail, Mailbox
from .services import receive

log = logging.getLogger(__name__)


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = current_app.config.get("IMAP_TIMEOUT", 30)
    imap: imaplib.IMAP4
    if mailbox.security == "ssl":
        imap = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(),
                                 timeout=timeout)
    else:
        imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    try:
        if mailbox.security == "starttls":
            imap.starttls(ssl_context=ssl.create_default_context())
        imap.login(mailbox.username, mailbox.password)
        status, _ = imap.select(_quoted(mailbox.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"the folder {mailbox.folder!r} cannot be opened")
    except BaseException:
        imap.shutdown()  # a refused login or folder: close the connection, then say why
        raise
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _claim(mailbox_id: int, force: bool) -> bool:
    """Take this round of ``mailbox_id`` (its time has come, or ``force``); False when another took it."""
    now = utcnow()
    due = now - timedelta(seconds=settings.get("inbound_poll_seconds"))
    statement = update(Mailbox).where(Mailbox.id == mailbox_id, Mailbox.active.is_(True))
    if not force:
        statement = statement.where(or_(Mailbox.last_polled_at.is_(None), Mailbox.last_polled_at <= due))
    with unit_of_work.task("a poller takes a mailbox's round before reading it"):
        result = db.session.execute(statement.values(last_polled_at=now)
                                    .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _seen_before(mailbox_id: int, message_id: str) -> bool:
    """Whether this mail was read in already (a failed one is still to read; a parked one counts as read)."""
    return bool(message_id) and db.session.scalar(select(InboundMail.id).where(
        InboundMail.mailbox_id == mailbox_id, InboundMail.message_id == message_id,
        InboundMail.outcome != FAILED).limit(1)) is not None


def _failures(mailbox_id: int, message_id: str, uid: str):
    """The query for this mail's failure record: by Message-ID, or by IMAP UID when it has none."""
    same = InboundMail.message_id == message_id if message_id else InboundMail.imap_uid == uid
    return select(InboundMail).where(InboundMail.mailbox_id == mailbox_id, InboundMail.outcome == FAILED, same)


def _failed(mailbox_id: int, uid: str, message_id: str, exc: Exception) -> bool:
    """Count a failure of the importer on this mail, in a unit of work of its own (the mail's was rolled
    back); returns whether it is now parked (out of attempts: INBOUND_MAX_ATTEMPTS)."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    limit = int(current_app.config.get("INBOUND_MAX_ATTEMPTS", 5))
    with unit_of_work.task("a mail the importer failed on: counted, then parked"):
        record = db.session.scalars(_failures(mailbox_id, message_id, uid).limit(1)).first()
        if record is None:
            record = InboundMail(mailbox_id=mailbox_id, message_id=message_id[:255], imap_uid=uid, outcome=FAILED,
                                 attempts=0, received_at=utcnow())
            db.session.add(record)
        record.attempts = (record.attempts or 0) + 1
        record.reason = f"attempt {record.attempts} of {limit}: {error}"
        if record.attempts >= limit:
            record.outcome = PARKED
            record.reason = f"parked after {record.attempts} attempts (marked read, left in the mailbox): {error}"
        parked = record.outcome == PARKED
    return parked


def poll(mailbox_id: int, *, force: bool = False) -> list[str]:
    """Read one mailbox's unseen mail if its round is due. Returns a line per mail for the worker's log."""
    if not _claim(mailbox_id, force):
        return []
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        return []
    lines: list[str] = []
    error: str | None = None
    try:
        imap = connect(mailbox)
        try:
            status, data = imap.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            for uid in (data[0] or b"").split() if status == "OK" else []:
                try:
                    lines.append(_one(imap, mailbox, uid))
                except (DBAPIError, OSError, imaplib.IMAP4.error):
                    raise
                except Exception as exc:  # a bug, not the mail's fault: left unseen, tried again next round
                    log.exception("mailbox %s: message %s could not be read in", mailbox_id, uid)
                    error = f"{type(exc).__name__}: {exc}"[:2000]
        finally:
            try:
                imap.logout()
            except (OSError, imaplib.IMAP4.error):
                pass
    except DBAPIError:
        raise  # the database is gone: the worker waits for it; the mail stays unseen
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        lines.append(f"mailbox {mailbox.name}: {error}")
    with unit_of_work.task("the mailbox's last error, for the administrators' page"):
        mailbox = db.session.get(Mailbox, mailbox_id)
        if mailbox is not None:
            mailbox.last_error = error
    return lines


def _one(imap: imaplib.IMAP4, mailbox: Mailbox, uid: bytes) -> str:
    status, data = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")  # type: ignore[arg-type]
    raw = next((part[1] for part in data if isinstance(part, tuple)), None) if status == "OK" else None
    if not isinstance(raw, bytes):
        return f"mailbox {mailbox.name}: message {uid.decode()} could not be read"
    from .parse import parse

    try:
        message_id = parse(raw).message_id
    except Exception:  # receive() parses it again, and fails the same way: counted below
        message_id = ""
    mailbox_id, name, key = mailbox.id, mailbox.name, uid.decode()
    if _seen_before(mailbox_id, message_id):
        line = f"mailbox {name}: {message_id} was read before"
    else:
        try:
            with unit_of_work.task("each inbound mail is committed on its own, then marked seen"):
                record = receive(db.session.get(Mailbox, mailbox_id), raw)
                line = f"mailbox {name}: {record.outcome} {record.reason}".rstrip()
                for failure in db.session.scalars(_failures(mailbox_id, message_id, key)):
                    db.session.delete(failure)  # it went in at last: its failures are history
        except (DBAPIError, OSError, imaplib.IMAP4.error):
            raise
        except Exception as exc:  # a bug, not the mail's fault: counted; tried again next round, or parked
            log.exception("mailbox %s: message %s could not be read in", mailbox_id, key)
            if not _failed(mailbox_id, key, message_id, exc):
                raise
            line = f"mailbox {name}: message {key} parked after repeated failures ({type(exc).__name__})"
    imap.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")  # type: ignore[arg-type]
    return line


def poll_due(*, force: bool = False) -> list[str]:
    """Poll every active mailbox whose round is due. Returns the log lines."""
    with unit_of_work.task("a read only, ended so that each round starts afresh"):
        ids = list(db.session.scalars(select(Mailbox.id).where(Mailbox.active.is_(True)).order_by(Mailbox.id)))
    lines: list[str] = []
    for mailbox_id in ids:
        lines += poll(mailbox_id, force=force)
    return lines
