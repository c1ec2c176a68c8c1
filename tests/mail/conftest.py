"""Mail both ways: the aiosmtpd sink (tests/conftest.py) for what we send, and a real IMAP server on
loopback for what customers send: Debian's Dovecot, started here with a config of its own in a temporary
directory (a passwd-file user, a Maildir), on a free port. Tests that need it skip when it is absent
(``apt-get install dovecot-imapd``; .ci/run installs it)."""
import imaplib
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from portal.extensions import db
from portal.inbound.models import Mailbox
from tests.conftest import free_port

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
USER, PASSWORD = "help", "imap secret"


@pytest.fixture
def app_config(mail_app_config):
    return {**mail_app_config, "MAIL_FROM": "Help Desk <help@portal.test>", "MAIL_REPLY_TO": "help@portal.test"}


class Dovecot:
    def __init__(self, root, port):
        self.root, self.port, self.process = root, port, None

    def start(self) -> None:
        # Dovecot refuses to give mail to root: as root, the mail belongs to its own "dovecot" user.
        uid, gid = os.getuid(), os.getgid()
        if uid == 0:
            account = pwd.getpwnam("dovecot")
            uid, gid = account.pw_uid, account.pw_gid
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir()
        os.chown(self.root / "mail", uid, gid)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (self.root / "dovecot.conf").write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{self.root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.connect().logout()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"dovecot stopped: {self.process.stderr.read().decode()}") from None
                time.sleep(0.1)
        raise RuntimeError("dovecot did not answer in 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stderr is not None:
                self.process.stderr.close()

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def deliver(self, message: EmailMessage | bytes) -> None:
        """Put a mail into the INBOX, as the mail server would on delivery."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        imap = self.connect()
        try:
            status, _ = imap.append("INBOX", None, None, raw)
            assert status == "OK"
        finally:
            imap.logout()

    def unseen(self) -> int:
        imap = self.connect()
        try:
            imap.select("INBOX")
            _, data = imap.uid("SEARCH", None, "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            imap.logout()


@pytest.fixture
def dovecot():
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    # Not pytest's tmp_path: its folders are 0700, and Dovecot's auth process runs as another user.
    root = pathlib.Path(tempfile.mkdtemp(prefix="portico-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(app, dovecot):
    """A mailbox row for the Dovecot user; returns its id."""
    with app.app_context():
        row = Mailbox(name="Support", host="127.0.0.1", port=dovecot.port, security="none", folder="INBOX",
                      username=USER, password=PASSWORD, active=True)
        db.session.add(row)
        db.session.commit()
        return row.id


def customer_mail(sender="pat@example.com", subject="Printer on fire", body="It smokes.", to="help@portal.test",
                  **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Pat Lee <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message
