"""DeskPRO's official JavaScript API client (``deskpro/deskpro-api-client-javascript``) against a live Portico.

The client is no longer published on npm (``npm view @deskpro/deskpro-api-client-javascript`` answers 404), so
its source comes from a checkout: DESKPRO_JS_CLIENT (a clone of the repository), else the local mirror at
``/work/.mirror/deskpro+deskpro-api-client-javascript``, exported into a temporary directory (never vendored).
Its two dependencies are installed from npm into tests/clients/node_modules (ignored by git). Skipped when node,
npm or the source is missing.
"""
import json
import os
import shutil
import subprocess
import tarfile
import threading
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import make_app, seed_reference_data

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
MIRROR = Path("/work/.mirror/deskpro+deskpro-api-client-javascript/repo/.git")


def client_source(tmp_path) -> Path | None:
    if os.environ.get("DESKPRO_JS_CLIENT"):
        return Path(os.environ["DESKPRO_JS_CLIENT"])
    if not MIRROR.exists() or shutil.which("git") is None:
        return None
    archive = subprocess.run(["git", "--git-dir", str(MIRROR), "archive", "HEAD", "src"], capture_output=True,
                             check=False, timeout=60)
    if archive.returncode:
        return None
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp_path / "client", filter="data")
    return tmp_path / "client"


@pytest.fixture
def node_client(tmp_path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for the JavaScript client")
    source = client_source(tmp_path)
    if source is None:
        pytest.skip("DeskPRO's JavaScript client source is not available (set DESKPRO_JS_CLIENT to a checkout)")
    if not (CLIENTS / "node_modules" / "axios").exists():
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=CLIENTS, capture_output=True,
                              check=False, timeout=300)
        if done.returncode:
            pytest.skip(f"npm install failed: {done.stderr.decode()[-300:]}")
    return source


@pytest.fixture
def live(tmp_path):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    with app.app_context():
        db.create_all()
        seed_reference_data()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.own_database
def test_official_js_client_does_what_a_new_user_does(live, node_client):
    from portal.accounts.services import create_staff
    from portal.apikeys.services import create_key

    with live.app_context():
        staff = create_staff("agent@example.com", "correct horse", role="administrator", first_name="Sam")
        key, secret = create_key(staff, staff, "js client")
        db.session.commit()
        key_id = key.id
    env = {**os.environ, "CLIENT_SRC": str(node_client), "BASE": live.config["PUBLIC_URL"], "KEY_ID": str(key_id),
           "KEY_SECRET": secret, "EMAIL": "agent@example.com", "PASSWORD": "correct horse",
           "NODE_PATH": str(CLIENTS / "node_modules")}
    done = subprocess.run(["node", str(CLIENTS / "deskpro_js_client.js")], env=env, capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    seen = json.loads(done.stdout)
    assert seen["discover"]["is_deskpro"] is True
    assert seen["unauthenticated"]["status"] == 401
    assert seen["me"]["auth_method"] == "api_key" and seen["tokenMe"]["auth_method"] == "api_token"
    assert seen["article"]["title"] == "Reset your password" and seen["deletedArticle"]["status"] == 404
    assert seen["articlesPage"]["meta"]["per_page"] == 1 and "next" in seen["articlesPage"]["links"]
    assert {(c["title"], c["parent"] is None) for c in seen["categories"]} == {("Guides", True), ("Accounts", False)}
    assert seen["ticket"]["person_email"] == "ada@example.com"
    messages = seen["messages"]
    assert [m["is_agent_note"] for m in messages] == [0, 0, 1]
    assert messages[1]["attachments"][0]["filename"] == "printer.log"
    assert [p["primary_email"] for p in seen["people"]] == ["ada@example.com"]
    assert {"inbox", "myq"} <= {f["id"] for f in seen["filters"]}
    assert seen["batch"]["ok"]["data"]["id"] == seen["ticket"]["id"]
    assert seen["batch"]["missing"]["headers"]["status-code"] == 404 and "data" in seen["batch"]["missing"]
    assert seen["badInput"]["code"] == "invalid_input" and "subject" in seen["badInput"]["errors"]["fields"]
