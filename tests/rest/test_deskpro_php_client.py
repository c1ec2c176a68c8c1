"""DeskPRO's official PHP API client (``deskpro/deskpro-api-client-php``) against a live Portico.

Packagist is not reachable from here, so the SDK and the packages it needs (Guzzle 7, its PSR-7 and promises
packages, psr/log 1, psr/http-message, -client, -factory, ralouphie/getallheaders, symfony/deprecation-contracts)
come from git mirrors of their GitHub repositories: DESKPRO_PHP_MIRROR (a directory holding
``<owner>+<name>/repo`` git directories, as ``/work/.mirror`` does, the default). Each is exported with
``git archive`` at the version composer would pick (the mirror's HEAD when that tag is absent) into a temporary
directory, and the test writes a small PSR-4 autoloader over them: nothing is vendored. Skipped, with the reason,
when php (Debian's php-cli, with php-curl) or a source is missing.
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

SCRIPT = Path(__file__).resolve().parent.parent / "clients" / "deskpro_php_client.php"

# (mirror directory, version composer resolves for the SDK, PSR-4 prefix -> directory in the archive, files to load)
PACKAGES = [
    ("deskpro+deskpro-api-client-php", "HEAD", {"Deskpro\\": "src/Deskpro/"}, []),
    ("guzzle+guzzle", "7.8.1", {"GuzzleHttp\\": "src/"}, ["src/functions_include.php"]),
    ("guzzle+psr7", "2.6.2", {"GuzzleHttp\\Psr7\\": "src/"}, []),
    ("guzzle+promises", "2.0.4", {"GuzzleHttp\\Promise\\": "src/"}, []),
    ("php-fig+log", "1.1.4", {"Psr\\Log\\": "Psr/Log/"}, []),
    ("php-fig+http-message", "2.0", {"Psr\\Http\\Message\\": "src/"}, []),
    ("php-fig+http-client", "1.0.3", {"Psr\\Http\\Client\\": "src/"}, []),
    ("php-fig+http-factory", "1.1.0", {"Psr\\Http\\Message\\": "src/"}, []),
    ("ralouphie+getallheaders", "3.0.3", {}, ["src/getallheaders.php"]),
    ("symfony+deprecation-contracts", "v3.5.0", {}, ["function.php"]),
]

AUTOLOADER = """<?php
// Written by tests/rest/test_deskpro_php_client.py: PSR-4 over the exported packages.
$prefixes = %s;
spl_autoload_register(function (string $class) use ($prefixes) {
    foreach ($prefixes as $prefix => $dirs) {
        if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
            continue;
        }
        $relative = str_replace('\\\\', '/', substr($class, strlen($prefix))) . '.php';
        foreach ($dirs as $dir) {
            if (is_file($dir . $relative)) {
                require $dir . $relative;
                return;
            }
        }
    }
});
foreach (%s as $file) {
    require_once $file;
}
"""


def php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def export_sources(tmp_path: Path) -> tuple[Path | None, str]:
    """Export every package into tmp_path/php and write the autoloader; (autoload.php, "") or (None, reason)."""
    mirror = Path(os.environ.get("DESKPRO_PHP_MIRROR", "/work/.mirror"))
    if shutil.which("git") is None:
        return None, "git is needed to export the PHP SDK's sources"
    prefixes: dict[str, list[str]] = {}
    files: list[str] = []
    for name, version, psr4, extra in PACKAGES:
        git_dir = mirror / name / "repo"
        if not git_dir.exists():
            return None, f"{git_dir} is missing (set DESKPRO_PHP_MIRROR to a directory of <owner>+<name>/repo)"
        ref = version
        found = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "--verify", "-q",
                                f"{version}^{{commit}}"], capture_output=True, check=False, timeout=30)
        if found.returncode:
            ref = "HEAD"
        archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", ref], capture_output=True,
                                 check=False, timeout=60)
        if archive.returncode:
            return None, f"git archive {name} failed: {archive.stderr.decode()[-200:]}"
        target = tmp_path / "php" / name
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
        for prefix, directory in psr4.items():
            prefixes.setdefault(prefix, []).append(f"{target}/{directory}")
        files.extend(f"{target}/{file}" for file in extra)
    # Longest prefix first, so GuzzleHttp\Psr7\ is looked up before GuzzleHttp\.
    ordered = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    php_prefixes = "[" + ", ".join(f"{php_string(p)} => [" + ", ".join(php_string(d) for d in dirs) + "]"
                                   for p, dirs in ordered) + "]"
    php_files = "[" + ", ".join(php_string(f) for f in files) + "]"
    autoload = tmp_path / "php" / "autoload.php"
    autoload.write_text(AUTOLOADER % (php_prefixes, php_files))
    return autoload, ""


@pytest.fixture
def php_client(tmp_path):
    php = shutil.which("php")
    if php is None:
        pytest.skip("php is needed for DeskPRO's PHP client (apt-get install php-cli php-curl)")
    modules = subprocess.run([php, "-m"], capture_output=True, check=False, timeout=30).stdout.decode().split()
    if "curl" not in modules:
        pytest.skip("PHP's curl extension is needed by Guzzle (apt-get install php-curl)")
    autoload, reason = export_sources(tmp_path)
    if autoload is None:
        pytest.skip(reason)
    return php, autoload


@pytest.fixture
def live(app):
    """A threaded server over the test's own database (``own_database``: a fresh SQLite file, or PostgreSQL's
    schema when PORTICO_TEST_DATABASE_URL is set), so the SDK runs on both."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    thread.join(timeout=5)


def run_script(live, php_client) -> dict:
    from portal.accounts.services import create_staff
    from portal.apikeys.services import create_key, presented

    with live.app_context():
        staff = create_staff("agent@example.com", "correct horse", role="administrator", first_name="Sam")
        key, secret = create_key(staff, staff, "php client")
        reader = presented(*create_key(staff, staff, "reader", read_only=True))
        narrow = presented(*create_key(staff, staff, "kb only", tags="articles.*"))
        capped = presented(*create_key(staff, staff, "capped", hourly=1))
        db.session.commit()
        key_id = key.id
    php, autoload = php_client
    env = {**os.environ, "AUTOLOAD": str(autoload), "BASE": live.config["PUBLIC_URL"], "KEY_ID": str(key_id),
           "KEY_SECRET": secret, "EMAIL": "agent@example.com", "PASSWORD": "correct horse",
           "READ_ONLY_KEY": reader, "NARROW_KEY": narrow, "CAPPED_KEY": capped}
    done = subprocess.run([php, str(SCRIPT)], env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, (done.stdout.decode()[-2000:], done.stderr.decode()[-2000:])
    return json.loads(done.stdout)


@pytest.mark.own_database
def test_official_php_client_does_what_a_new_user_does(live, php_client):
    seen = run_script(live, php_client)

    # Discover, then authentication by key (both forms) and by token.
    assert seen["discover"]["is_deskpro"] is True
    assert seen["discover"]["base_api_url"].rstrip("/").endswith("/api/v2")
    assert seen["unauthenticated"]["class"] == "AuthenticationException"
    assert seen["unauthenticated"]["code"] == 401
    assert seen["wrongKey"] == {"class": "AuthenticationException", "code": 401, "message": "Invalid API Key."}
    assert seen["me"]["auth_method"] == "api_key" and seen["me"]["person"]["primary_email"] == "agent@example.com"
    assert seen["meSingle"]["person_id"] == seen["me"]["person_id"]
    assert seen["badPassword"]["code"] == 401
    assert seen["emptyExchange"]["code"] == 400 and "'email'" in seen["emptyExchange"]["message"]
    assert seen["tokenMe"]["auth_method"] == "api_token" and seen["tokenMe"]["person_id"] == seen["me"]["person_id"]
    assert seen["tokenTickets"] == [seen["ticket"]["id"]]

    # Article categories: a tree with parent, renamed, one deleted.
    assert seen["categoryUpdate"] == ""  # 204: the SDK hands back the (empty) body stream
    assert seen["deletedCategory"]["class"] == "NotFoundException"
    tree = {(c["title"], c["parent"] is None) for c in seen["categories"]}
    assert {("Guides", True), ("Accounts", False)} <= tree and not any(t == "Spare" for t, _ in tree)

    # Articles.
    assert seen["articleUpdate"] == ""
    assert seen["articleFollowed"]["title"] == "Reset your password"
    assert seen["article"]["content"] == '<p>Click "Reset".</p>' and seen["article"]["status"] == "published"
    assert seen["article"]["categories"] and seen["articleCreated"]["status"] == "published"
    assert seen["uncategorized"]["code"] == 400 and "'categories'" in seen["uncategorized"]["message"]
    assert seen["draft"]["status"] == "hidden" and seen["draft"]["hidden_status"] == "draft"
    page1, page2 = seen["articlesPage1"], seen["articlesPage2"]
    assert len(page1["data"]) == len(page2["data"]) == 1 and page1["data"][0]["id"] != page2["data"][0]["id"]
    assert page1["meta"]["pagination"]["total"] == 2 and page1["meta"]["per_page"] == 1
    assert seen["articlesByIds"] == [seen["draft"]["id"]]
    assert seen["deletedArticle"]["class"] == "NotFoundException"
    assert seen["articlesAfter"] == [seen["article"]["id"]]

    # The ticket, its first message from the customer, a reply with a file and an agent note.
    ticket = seen["ticket"]
    assert ticket["person_email"] == "ada@example.com" and ticket["subject"] == "Printer on fire"
    assert ticket["ref"] and ticket["fields"] in ({}, [])  # PHP decodes {} as an empty array, echoed as []
    assert seen["ticketLocation"].endswith(f"/api/v2/tickets/{ticket['id']}")
    updated = seen["ticketUpdated"]
    assert updated["subject"] == "Drucker brennt – “sofort”" and sorted(updated["labels"]) == ["printer", "urgent"]
    assert updated["status"] == "resolved"
    assert seen["ticketCounts"] and seen["agents"] == ["agent@example.com"]
    messages = seen["messages"]
    assert [m["is_agent_note"] for m in messages] == [0, 0, 1]
    assert "It is on fire" in messages[0]["message"] and messages[0]["person"] == ticket["person"]
    assert messages[1]["attachments"][0]["filename"] == "printer.log"
    assert messages[2]["message"].startswith("internal") and seen["note"]["is_agent_note"] == 1
    assert seen["blankMessage"]["code"] == 400 and "'message'" in seen["blankMessage"]["message"]

    # People by email.
    assert [p["primary_email"] for p in seen["people"]] == ["ada@example.com"]
    assert seen["people"][0]["id"] == ticket["person"] and seen["nobody"] == []

    # The batch: every entry an APIResponse, the failing one too.
    batch = seen["batch"]
    assert batch["ticket"]["data"]["id"] == ticket["id"]
    assert batch["missing"]["data"] is not None and batch["missing"]["meta"] is not None
    assert batch["create"]["data"]["title"] == "From a batch"
    assert seen["batchList"][0]["id"] == ticket["id"] and seen["batchList"][1] is not None
    with_person = seen["ticketWithPerson"]
    assert [t["id"] for t in with_person["data"]] == [ticket["id"]]
    assert list(with_person["linked"]["person"]) == [str(ticket["person"])]

    # Field errors, worded by the SDK from the nested error shape.
    assert seen["badTicket"]["class"] == "APIException" and seen["badTicket"]["code"] == 400
    assert seen["badTicket"]["message"] == "Request input is invalid.: 'subject' This value should not be blank."
    assert seen["emptyTicket"]["code"] == 400 and "' This value should not be blank." in seen["emptyTicket"]["message"]
    assert seen["badNested"]["message"] == "Request input is invalid.: 'message.message' This value should not be blank."
    assert seen["badArticle"]["code"] == 400 and "'title'" in seen["badArticle"]["message"]
    assert seen["notJson"]["code"] == 400
    assert seen["async"] == ticket["id"]

    # Keys' limits, as the SDK reports them.
    assert seen["readOnlyRead"] == 1
    assert seen["readOnlyWrite"]["class"] == "AccessDeniedException" and seen["readOnlyWrite"]["code"] == 403
    assert seen["narrowTickets"]["class"] == "AccessDeniedException" and seen["narrowArticles"] == 1
    assert seen["capped"]["class"] == "APIException" and seen["capped"]["code"] == 429
    assert int(seen["cappedRetryAfter"]) > 0


# --- what the PHP SDK revealed, checked without PHP ------------------------------------------------------------

def test_an_empty_json_array_body_is_an_empty_object(deskpro):
    """PHP's json_encode([]) is "[]": the SDK's post('/api_tokens', []) must get the field errors, not "the body
    must be a JSON object"."""
    response = deskpro("POST", "api_tokens", raw="[]", key=None)
    assert response.status_code == 400
    fields = response.get_json()["errors"]["fields"]
    assert set(fields) == {"email", "password"}
    assert fields["email"]["errors"][0] == {"code": "required", "message": "This value should not be blank."}
    # A non-empty list is still not a body.
    assert deskpro("POST", "api_tokens", raw='["a"]', key=None).get_json()["code"] == "invalid_input"


def test_an_empty_json_array_where_an_object_goes_is_an_empty_object(deskpro):
    """A PHP client's empty custom-field map ('fields' => []) arrives as []: the ticket is created."""
    response = deskpro("POST", "tickets", body={"subject": "Hi", "person": "ada@example.com", "fields": [],
                                                "message": {"message": "Hello"}})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["fields"] == {}
    wrong = deskpro("POST", "tickets", body={"subject": "Hi", "person": "ada@example.com", "fields": [1],
                                             "message": {"message": "Hello"}})
    assert wrong.status_code == 400 and "fields" in wrong.get_json()["errors"]["fields"]


@pytest.fixture
def three_pages(app):
    from tests import factories

    with app.app_context():
        chapter = factories.chapter(factories.book("Manual"), "Install")
        ids = [factories.page(chapter, title).id for title in ("One", "Two", "Three")]
        db.session.commit()
        return ids


def listed(deskpro, query: str) -> list[int]:
    response = deskpro.client.get(f"/api/v2/articles?{query}", headers={"Authorization": f"key {deskpro.key}"})
    assert response.status_code == 200, response.get_json()
    return sorted(article["id"] for article in response.get_json()["data"])


def test_php_list_parameters_are_read_as_lists(deskpro, three_pages):
    """http_build_query(['ids' => [1, 2]]) is ids%5B0%5D=1&ids%5B1%5D=2: read as ids=1,2, not ignored."""
    one, two, three = three_pages
    assert listed(deskpro, f"ids%5B0%5D={one}&ids%5B1%5D={three}") == [one, three]
    assert listed(deskpro, f"ids[]={two}&ids[]={three}") == [two, three]
    assert listed(deskpro, f"ids={one}&ids[]={two}") == [one, two]
    assert listed(deskpro, f"ids[1]={one}&ids[0]={two}&count=1&order_by=id&order_dir=asc") == [one]
    bad = deskpro.client.get("/api/v2/articles?ids[0]=x", headers={"Authorization": f"key {deskpro.key}"})
    assert bad.status_code == 400 and "ids" in bad.get_json()["errors"]["fields"]
    # batch's short syntax keeps its own get[name] parameters, numbered ones too
    response = deskpro.get("batch", **{"get[0]": "/me", "get[1]": f"/articles/{two}"})
    responses = response.get_json()["responses"]
    assert responses["0"]["data"]["person_id"] and responses["1"]["data"]["id"] == two


def test_a_list_in_a_query_body_is_read_whole(deskpro, three_pages):
    """X-Deskpro-Api-Get-Query-Body with {"ids": [a, b]} (a PHP array in the body) finds both, not just a."""
    one, two, _ = three_pages
    found = deskpro("POST", "articles", body={"ids": [one, two]}, headers={"X-Deskpro-Api-Get-Query-Body": "1"})
    assert found.status_code == 200, found.get_json()
    assert sorted(a["id"] for a in found.get_json()["data"]) == [one, two]


def test_a_php_list_of_batch_requests_is_answered_by_position(deskpro, three_pages):
    """$client->batch(['/articles/1', '/articles/999']) sends {"requests": [...]}."""
    response = deskpro("POST", "batch", body={"requests": [f"/articles/{three_pages[0]}", "/articles/999999"]})
    assert response.status_code == 200
    responses = response.get_json()["responses"]
    assert set(responses) == {"0", "1"}
    assert responses["0"]["data"]["id"] == three_pages[0]
    assert responses["1"]["headers"]["status-code"] == 404 and responses["1"]["data"] == {}
    assert deskpro("POST", "batch", body={"requests": []}).status_code == 400
