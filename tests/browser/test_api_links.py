"""An administrator logged in to the staff workspace clicks a link to the API
crafted by an anonymous attacker, and nothing of the attacker's runs.

The attack as reported: the attacker uploads a script as a request attachment (served from the portal's own
origin, so the pages' ``script-src 'self'`` lets it run), then sends links whose ``output=php`` reply carries
``<script src=...that attachment...>``: once reflected (request.create echoing an invalid ``sEmail``), once
stored (request.get echoing a note). Served as text/html, the reply ran the script with the administrator's
session, which read a CSRF token from the staff-account form and created an attacker administrator."""
import base64
import re
from urllib.parse import urlencode

from portal.accounts.models import Staff
from portal.extensions import db

from .test_staff import staff_login

ATTACKER_EMAIL = "mallory@attacker.test"
# Sets the title at once (synchronous proof that it ran), then creates a staff account with the victim's
# session; window.attack lets the test wait for the whole chain without guessing a delay.
ATTACK_JS = """
document.title = "pwned";
window.attack = fetch("/staff/admin/staff/new", {credentials: "same-origin"})
  .then((reply) => reply.text())
  .then((html) => {
    const token = html.match(/name="csrf_token" value="([^"]+)"/)[1];
    const form = new URLSearchParams({csrf_token: token, email: "%s", first_name: "Mallory", last_name: "Attacker",
                                      role: "administrator", active: "on", password: "attacker-password-123"});
    return fetch("/staff/admin/staff/new", {method: "POST", body: form, credentials: "same-origin"});
  });
""".replace("%s", ATTACKER_EMAIL)


def plant_script(live_app) -> tuple[str, str]:
    """The attacker's anonymous calls: a request with the script attached. Returns (access key, script path)."""
    client = live_app.test_client()
    created = client.post("/api/index.php", data={
        "method": "request.create", "output": "json", "tNote": "Please see the attached notes.",
        "sEmail": "someone@example.com", "File1_sFilename": "notes.txt", "File1_sFileMimeType": "text/javascript",
        "File1_bFileBody": base64.b64encode(ATTACK_JS.encode()).decode()})
    assert created.status_code == 200, created.data
    key = created.get_json(force=True)["accesskey"]
    read = client.get("/api/index.php", query_string={"method": "request.get", "accesskey": key, "output": "json"})
    url = read.get_json(force=True)["request_history"]["item"][0]["files"]["file"][0]["public_url"]
    return key, re.sub(r"^https?://[^/]+", "", url)


def store_note(live_app, key: str, note: str) -> None:
    updated = live_app.test_client().post("/api/index.php", data={
        "method": "request.update", "output": "json", "accesskey": key, "tNote": note})
    assert updated.status_code == 200, updated.data


def attacker_accounts(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(db.select(db.func.count(Staff.id)).where(Staff.email == ATTACKER_EMAIL))


def open_link(page, url: str) -> str:
    """Open the link as the victim; 'ran' when the attacker's script ran to the end."""
    page.goto(url)
    return page.evaluate("() => window.attack ? window.attack.then(() => 'ran') : 'did not run'")


def test_an_administrator_opening_crafted_api_links_runs_nothing(live_app, page, shot):
    key, script_path = plant_script(live_app)
    tag = f'<script src="{script_path}"></script>'
    store_note(live_app, key, f"Thanks! {tag}")
    staff_login(page, live_app.base_url)
    title = page.title()

    reflected = live_app.base_url + "/api/index.php?" + urlencode(
        {"method": "request.create", "output": "php", "tNote": "Hello", "sEmail": tag})
    assert open_link(page, reflected) == "did not run"
    shot("reflected-email")
    assert page.title() != "pwned"

    stored = live_app.base_url + "/api/index.php?" + urlencode(
        {"method": "request.get", "output": "php", "accesskey": key})
    assert open_link(page, stored) == "did not run"
    shot("stored-note")
    assert page.title() != "pwned"

    assert attacker_accounts(live_app) == 0
    page.goto(live_app.base_url + "/staff/")
    assert page.title() == title  # the administrator is still logged in: the links did nothing at all
