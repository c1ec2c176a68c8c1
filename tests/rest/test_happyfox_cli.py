"""The real HappyFox CLI (``hfox`` from PyPI) against Portico served over HTTP: log in, list the reference data,
list, find, create and update contacts, create a ticket with tags and an attachment, change its tags, search
tickets, and fail cleanly on a wrong key and an unknown ticket."""
import json
import os
import shutil
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests import factories

pytestmark = [pytest.mark.own_database, pytest.mark.slow]
HFOX = shutil.which("hfox", path=os.path.dirname(sys.executable))


@pytest.fixture
def served(app, make_key):
    with app.app_context():
        category = factories.category("Billing").id
        db.session.commit()
    key = make_key("agent@example.com", role="agent")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/api/1.1/json/", "key": key, "category": category}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def hfox(served, tmp_path):
    user, _, code = served["key"].partition(":")

    def run(*args, key=(user, code), ok=True):
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "HFOX_CONFIG_DIR": str(tmp_path / "cfg"),
               "HFOX_BASE_URL": served["url"], "HFOX_API_KEY": key[0], "HFOX_AUTH_CODE": key[1], "NO_COLOR": "1",
               "COLUMNS": "200"}
        done = subprocess.run([HFOX, "--format", "json", *args], env=env, capture_output=True, text=True,
                              timeout=60, cwd=tmp_path)
        assert (done.returncode == 0) == ok, (args, done.returncode, done.stdout[-2000:], done.stderr[-2000:])
        return json.loads(done.stdout) if ok and done.stdout.strip() else done
    return run


@pytest.mark.skipif(HFOX is None, reason="the hfox CLI is not installed (pip install -e '.[test]')")
def test_the_hfox_cli_works_as_a_new_user_would(served, hfox, tmp_path):
    status = hfox("auth", "status")
    assert status is not None
    assert [c["name"] for c in hfox("system", "categories")] == ["Billing"]
    assert {s["behavior"] for s in hfox("system", "statuses")} <= {"pending", "completed"}
    assert [p["name"] for p in hfox("system", "priorities")] == ["Normal", "Urgent"]
    staff_id = hfox("system", "staff")[0]["id"]

    made = hfox("contacts", "create", "--name", "Ada Lovelace", "--email", "ada@example.com",
                "--phone", "+44 7700 900000", "--phone-type", "mo")
    assert made["email"] == "ada@example.com" and made["phones"][0]["type"] == "mo"
    listed = hfox("contacts", "list", "-q", "name:Ada")
    assert [c["id"] for c in listed["data"]] == [made["id"]]
    assert hfox("contacts", "get", "ada@example.com")["id"] == made["id"]
    updated = hfox("contacts", "update", str(made["id"]), "--name", "Ada King", "--phone", "0113 496 0000",
                   "--phone-type", "w")
    assert updated["name"] == "Ada King" and {p["type"] for p in updated["phones"]} == {"mo", "w"}

    (tmp_path / "report.txt").write_text("the logs")
    ticket = hfox("tickets", "create", "--subject", "Printer on fire", "--category", str(served["category"]),
                  "--contact-id", str(made["id"]), "--text", "It is on fire", "--tags", "fire,printer",
                  "--attachment", str(tmp_path / "report.txt"))
    assert ticket["tags"] == "fire,printer" and ticket["user"]["email"] == "ada@example.com"
    assert ticket["updates"][0]["message"]["attachments"][0]["filename"] == "report.txt"
    tagged = hfox("tickets", "tags", str(ticket["id"]), "--add", "urgent", "--remove", "printer",
                  "--staff-id", str(staff_id))
    assert tagged["tags"] == "fire,urgent"
    found = hfox("tickets", "list", "-q", "tag:urgent")
    assert [t["id"] for t in found["data"]] == [ticket["id"]]

    wrong = hfox("system", "categories", key=("1", "wrong"), ok=False)
    assert json.loads(wrong.stdout)["detail"] == "Authentication failed: unknown API key or wrong auth code."
    missing = hfox("tickets", "get", "99999", ok=False)
    assert json.loads(missing.stdout)["type"] == "not_found" and missing.returncode == 4
