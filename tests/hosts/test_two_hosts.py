"""Two hosts on this machine (scripts/two-hosts.py: gunicorn and a worker each, own ports, instance folders and
search indexes; one PostgreSQL, one Redis, attachments on moto's S3 server): a topic posted through host A is
found by search on host B within 5 seconds, and an attachment uploaded through A downloads through B."""
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import settings
from portal.extensions import db
from portal.requests.models import Attachment
from tests import factories
from tests.conftest import POSTGRES_URL, free_port, fresh_postgres_database, make_app, release

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PORTICO_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")]


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def _api(url: str, method: str, **params) -> dict:
    data = urllib.parse.urlencode({"method": method, "output": "json", **params}).encode()
    with urllib.request.urlopen(f"{url}/api/index.php", data=data, timeout=10) as response:
        return json.loads(response.read())


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def hosts(tmp_path, bucket):
    if not _redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    endpoint, name, _client = bucket
    with fresh_postgres_database("portico_hosts") as url:
        ready = tmp_path / "ready"
        env = {**os.environ, "STORAGE_S3_ENDPOINT": endpoint, "SEARCH_CATCH_UP_EVERY": "0.5"}
        process = subprocess.Popen(
            [sys.executable, "scripts/two-hosts.py", "--database-url", url, "--redis-url", REDIS_URL,
             "--ports", f"{free_port()},{free_port()}", "--dir", str(tmp_path / "hosts"),
             "--storage-url", f"s3://{name}/portico", "--ready-file", str(ready), "--gunicorn-workers", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.communicate(timeout=5)[0] if process.poll() is not None else ""
                    logs = "".join(p.read_text()[-3000:] for p in (tmp_path / "hosts").glob("*.log"))
                    pytest.fail(f"the hosts did not start: {output}\n{logs}")
                time.sleep(0.2)
            host_a, host_b = ready.read_text().split()
            app = make_app(tmp_path / "test", SQLALCHEMY_DATABASE_URI=url)  # the test's own view of the database
            try:
                yield app, host_a, host_b
            finally:
                release(app)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def test_a_topic_posted_on_a_is_found_on_b_and_a_file_uploaded_on_a_downloads_on_b(hosts):
    app, host_a, host_b = hosts
    with app.app_context():
        settings.set_value("public_api", True)
        forum_id = factories.forum("General").id
        db.session.commit()
    assert host_a != host_b
    topic = _api(host_a, "forums.createTopic", xForumId=forum_id, sTopic="Aardvark telemetry question",
                 sName="Ann", tPost="How do I read the aardvark telemetry?")
    topic_id = int(topic["xTopicId"])
    posted = time.monotonic()
    found = []
    while time.monotonic() - posted < 5:
        found = [int(t["link"].rsplit("=", 1)[1]) for t in _api(host_b, "forums.search", q="aardvark telemetry")["topic"]]
        if topic_id in found:
            break
        time.sleep(0.2)
    assert topic_id in found, "host B did not find the topic within 5 seconds"
    waited = time.monotonic() - posted

    made = _api(host_a, "request.create", tNote="The report is attached", sEmail="tim@example.com",
                File1_sFilename="report.pdf", File1_sFileMimeType="application/pdf",
                File1_bFileBody=base64.b64encode(b"%PDF-1.4 quarterly figures").decode())
    with app.app_context():
        attachment = db.session.scalars(db.select(Attachment)).one()
    status, body = _get(f"{host_b}/requests/{made['accesskey']}/files/{attachment.id}")
    assert (status, body) == (200, b"%PDF-1.4 quarterly figures")
    print(f"host B found the topic {waited:.2f}s after host A answered")
