"""``private.util.getActiveStaff`` needs the right the other private lookups need, and
secrets in query strings (API passwords, tokens, keys) never reach a log: not gunicorn's access log that
``make run`` writes, not Portico's own log of a failed API call."""
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal.api import registry
from tests.api.conftest import Api, basic, set_setting
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"password": "hunter2-pw", "sPassword": "s3cret-pw", "token": "tok-123", "apikey": "key-456",
           "auth": "auth-789", "access_token": "at-000", "accesskey": "12abcdefghijKLMNOPQRST"}


@pytest.fixture
def api(app, client):
    set_setting(app, "public_api", True)
    return Api(client)


# --- getActiveStaff ------------------------------------------------------------------------------

def test_active_staff_needs_the_requests_right(api, make_staff):
    make_staff("mod@example.com", role="moderator")
    make_staff("agent@example.com", role="agent")
    refused, body = api.json("private.util.getActiveStaff", headers=basic("mod@example.com", "correct horse"))
    assert refused.status_code == 403 and [e["id"] for e in body["error"]] == [2]
    assert "agent@example.com" not in refused.get_data(as_text=True)
    allowed, body = api.json("private.util.getActiveStaff", headers=basic("agent@example.com", "correct horse"))
    assert allowed.status_code == 200
    assert {person["sEmail"] for person in body["person"]} == {"mod@example.com", "agent@example.com"}


# --- redaction ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("/api/index.php?method=x&password=hunter2&output=json",
     "/api/index.php?method=x&password=[redacted]&output=json"),
    ("sPassword=abc&username=bob", "sPassword=[redacted]&username=bob"),
    ('GET /api/?apikey=k1&API_KEY=k2&x=1 HTTP/1.1', 'GET /api/?apikey=[redacted]&API_KEY=[redacted]&x=1 HTTP/1.1'),
    ("/x?auth=a;token=b#frag", "/x?auth=[redacted];token=[redacted]#frag"),
    ("/x?q=password&page=2", "/x?q=password&page=2"),  # a value that merely says "password" is kept
    ("/api/?xPersonAssignedTo=3&sig=1", "/api/?xPersonAssignedTo=3&sig=1"),
    ("/requests/new", "/requests/new"),
])
def test_redact_secrets(text, expected):
    from portal.urls import redact_secrets

    assert redact_secrets(text) == expected


def test_a_failed_api_call_logs_no_secret(api, monkeypatch, caplog):
    def broken(params):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.REGISTRY, "version", registry.Method("version", broken, "results"))
    with caplog.at_level(logging.ERROR, logger="portal.api.dispatch"):
        assert api.call("version", **SECRETS).status_code == 500
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "API call failed" in logged and "method=version" in logged
    for secret in SECRETS.values():
        assert secret not in logged


def test_make_run_uses_the_gunicorn_config():
    run = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.S | re.M).group(0)
    assert re.search(r"gunicorn (-c|--config) gunicorn\.conf\.py .*--access-logfile - wsgi:app", run), run


def test_gunicorns_access_log_carries_no_secret(tmp_path):
    """A real gunicorn as ``make run`` starts it: the access log line is written, secrets are not."""
    port = free_port()
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "1",
                               "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        query = "&".join(f"{name}={value}" for name, value in SECRETS.items())
        request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz?{query}&q=visible",
                                         headers={"Referer": "http://elsewhere.test/page?token=ref-secret&a=1"})
        for _ in range(300):  # the worker imports the app first
            if server.poll() is not None:
                break
            try:
                urllib.request.urlopen(request, timeout=5).read()
                break
            except urllib.error.HTTPError:  # an answer all the same (an unmigrated database's /healthz is 503)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    line = next((line for line in out.splitlines() if "/healthz" in line), None)
    assert line is not None, (out, err)
    assert "q=visible" in line and "[redacted]" in line and "elsewhere.test/page?token=[redacted]&a=1" in line
    for secret in [*SECRETS.values(), "ref-secret"]:
        assert secret not in out and secret not in err
