"""A process killed (SIGKILL) in the middle of creating requests leaves each request whole or absent:
every request keeps its initial note and attachments, no orphan notes or attachment rows, and every
attachment row points at a complete file. Runs on SQLite, and on PostgreSQL when the suite does."""
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import files
from portal.extensions import db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4


def _run_and_kill(url: str, upload_dir: str, rng: random.Random) -> int:
    """Start a writer, let it commit at least two requests, then SIGKILL it at a random moment."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.faults.writer", url, upload_dir], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        committed = 0
        deadline = time.monotonic() + 60
        while committed < 2 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"writer stopped early: {proc.stderr.read()[-2000:]}")
            committed = int(line)
        time.sleep(rng.uniform(0, 0.25))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return committed


def _ids(sql: str) -> list:
    return [row[0] for row in db.session.execute(text(sql))]


def test_sigkill_mid_create_leaves_whole_requests_or_none(app, tmp_path):
    rng = random.Random(os.getpid() ^ int(time.time()))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    upload_dir = app.config["UPLOAD_DIR"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # nothing of ours holds a lock or a pooled connection while writers run
    seen = sum(_run_and_kill(url, upload_dir, rng) for _ in range(ROUNDS))

    with app.app_context():
        total = db.session.scalar(text("SELECT count(*) FROM request"))
        assert total >= seen  # everything a writer reported committed is there
        assert _ids("""SELECT r.id FROM request r LEFT JOIN note n ON n.request_id = r.id AND n.is_initial
                       GROUP BY r.id HAVING count(n.id) <> 1""") == []
        assert _ids("SELECT n.id FROM note n LEFT JOIN request r ON r.id = n.request_id WHERE r.id IS NULL") == []
        assert _ids("SELECT a.id FROM attachment a LEFT JOIN note n ON n.id = a.note_id WHERE n.id IS NULL") == []
        assert _ids("""SELECT n.id FROM note n LEFT JOIN attachment a ON a.note_id = n.id
                       GROUP BY n.id HAVING count(a.id) <> 2""") == []
        for sha256, size in db.session.execute(text("SELECT sha256, size FROM attachment")):
            data = files.path_for(sha256).read_bytes()
            assert len(data) == size and hashlib.sha256(data).hexdigest() == sha256
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("PRAGMA integrity_check")) == "ok"
