"""HappyFox 1.1: HTTP Basic with the key, never a redirect, errors under ``error``, read and write limits."""
import base64

import pytest

from portal.extensions import db
from portal.requests.models import Request


def test_basic_auth_lists_staff_as_a_bare_list(happyfox):
    response = happyfox.get("staff/")
    assert response.status_code == 200 and isinstance(response.get_json(), list)
    assert response.get_json()[0]["email"] == "agent@example.com"


@pytest.mark.parametrize("path", ["staff", "staff/", "tickets", "tickets/", "priorities", "statuses/"])
def test_paths_answer_with_and_without_the_slash_and_never_redirect(happyfox, path):
    response = happyfox.get(path)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))


@pytest.mark.parametrize("header", [None, "Basic " + base64.b64encode(b"1:wrong").decode(),
                                    "Basic " + base64.b64encode(b"999:x").decode(), "Basic !!!", "Bearer x",
                                    "Basic " + base64.b64encode(b"nonsense").decode()])
def test_missing_or_wrong_credentials_are_401_with_realm_basic(client, make_key, header):
    make_key()
    response = client.get("/api/1.1/json/tickets/", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Basic"'
    assert isinstance(response.get_json()["error"], str)


def test_read_only_key_reads_but_gets_403_on_writes(app, client, make_key):
    from tests.rest.conftest import HappyFox

    happyfox = HappyFox(client, make_key(read_only=True))
    assert happyfox.get("tickets/").status_code == 200
    response = happyfox.post("tickets/", {"subject": "x", "text": "y", "category": 1, "email": "a@example.com"})
    assert response.status_code == 403 and "read-only" in response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_unknown_path_and_wrong_verb_answer_json_errors(happyfox):
    missing = happyfox.get("nothing/here/")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong = happyfox("DELETE", "tickets/")
    assert wrong.status_code == 405 and "error" in wrong.get_json()


def test_write_limit_is_429_with_retry_after_and_the_wait_in_the_body(app, happyfox):
    app.config["RATELIMIT_HAPPYFOX_WRITE"] = "1 per minute"
    try:
        happyfox.post("tickets/", {})
        response = happyfox.post("tickets/", {})
        assert response.status_code == 429
        wait = int(response.headers["Retry-After"])
        assert 1 <= wait <= 60 and response.get_json() == {"error": f"Throttled, wait {wait} seconds."}
        assert happyfox.get("tickets/").status_code == 200  # reads have their own limit
    finally:
        app.config["RATELIMIT_HAPPYFOX_WRITE"] = "300 per minute"


def test_read_limit_and_the_seeds_503(app, happyfox):
    app.config.update(RATELIMIT_HAPPYFOX_READ="1 per minute", HAPPYFOX_THROTTLE_STATUS=503)
    try:
        assert happyfox.get("staff/").status_code == 200
        response = happyfox.get("staff/")
        assert response.status_code == 503 and response.get_json()["error"].startswith("Throttled, wait ")
        assert response.headers["Retry-After"]
    finally:
        app.config.update(RATELIMIT_HAPPYFOX_READ="500 per minute", HAPPYFOX_THROTTLE_STATUS=429)
