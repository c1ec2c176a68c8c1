"""From a raw mail to what the request services take: sender, subject, text, files."""
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from ..files import Upload
from ..text import single_line, strip_tags

# Our reply mails start with this line: what the customer wrote is above it.
REPLY_ABOVE = "## You can answer by replying to this email: write above this line ##"
_QUOTE_HEADER = re.compile(r"^\s*(On .{1,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+)\s*$",
                           re.IGNORECASE)


@dataclass
class Parsed:
    message: EmailMessage
    sender: str
    sender_name: str
    subject: str
    recipients: list[str]
    message_id: str
    text: str
    uploads: list[Upload] = field(default_factory=list)


def parse(raw: bytes) -> Parsed:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(str(message.get("From", "")))
    recipients = [address for _, address in getaddresses(
        [str(value) for header in ("To", "Cc", "Delivered-To", "X-Original-To")
         for value in message.get_all(header, [])])]
    return Parsed(message=message, sender=sender.strip().lower(), sender_name=single_line(name)[:80],
                  subject=single_line(str(message.get("Subject", "")))[:255], recipients=recipients,
                  message_id=single_line(str(message.get("Message-ID", "")))[:255], text=_text(message),
                  uploads=_uploads(message))


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: keep what decodes
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        content = strip_tags(content)
    return str(content).replace("\r\n", "\n")


def _uploads(message: EmailMessage) -> list[Upload]:
    files = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        files.append(Upload(filename=part.get_filename() or "attachment", data=data,
                            mime_type=part.get_content_type()))
    return files


def answer_text(text: str) -> str:
    """What the customer wrote in an answer: above our marker line, without the quoted mail below it."""
    text = text.split(REPLY_ABOVE)[0]
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _QUOTE_HEADER.match(line) and index > 0:
            lines = lines[:index]
            break
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith(">")):
        lines.pop()
    return "\n".join(lines).strip()
