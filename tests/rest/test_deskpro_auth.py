"""DeskPRO v2 authentication and the key's limits: 401 with its challenge, 403 for tags and read-only, 429."""
import pytest

from portal.apikeys.models import ApiKey
from portal.extensions import db

CHALLENGE = 'session,token,key realm="DeskPRO API"'


def test_discover_is_public_and_ignores_a_key(deskpro):
    for key in (None, "1:wrong"):
        response = deskpro.get("helpdesk/discover", key=key)
        assert response.status_code == 200
        body = response.get_json()
        assert body["data"]["is_deskpro"] is True and body["meta"] == {} and body["linked"] == {}
        assert body["data"]["base_api_url"].endswith("/api/v2/")


def test_me_names_the_keys_staff_member(deskpro):
    body = deskpro.get("me").get_json()
    assert body["data"]["auth_method"] == "api_key" and body["data"]["app_id"] is None
    assert body["data"]["person"]["primary_email"] == "agent@example.com"
    assert body["data"]["person_id"] == body["data"]["person"]["id"]
    assert set(body) == {"data", "meta", "linked"}


@pytest.mark.parametrize("header,message", [
    (None, "No authentication credentials were found in your request."),
    ("key", 'Malformed Authorization header (should be "Authorization: type value").'),
    ("Basic abc", 'Invalid Authorization header (type can be one of "key" or "token").'),
    ("key 1:nope", "Invalid API Key."),
    ("key nonsense", "Invalid API Key."),
    ("key 99999999999999999999:x", "Invalid API Key."),
])
def test_401_with_challenge_and_message(deskpro, header, message):
    headers = {"Authorization": header} if header else {}
    response = deskpro.get("me", key=None, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    body = response.get_json()
    assert body["status"] == 401 and body["message"] == message and body["code"]


def test_revoking_works_at_once_and_last_use_is_kept(app, deskpro):
    assert deskpro.get("me").status_code == 200
    with app.app_context():
        key = db.session.get(ApiKey, int(deskpro.key.split(":")[0]))
        assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"
        from portal.apikeys.services import revoke_key
        revoke_key(key.staff, key.id)
        db.session.commit()
    assert deskpro.get("me").status_code == 401


def test_expired_key_and_deactivated_staff_are_refused(app, deskpro, make_key):
    from datetime import timedelta

    from portal.dates import utcnow

    with app.app_context():
        key = db.session.get(ApiKey, int(deskpro.key.split(":")[0]))
        key.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert deskpro.get("me").status_code == 401
    other = make_key("gone@example.com")
    with app.app_context():
        key = db.session.get(ApiKey, int(other.split(":")[0]))
        key.staff.active = False
        db.session.commit()
    assert deskpro.get("me", key=other).status_code == 401


def test_a_key_shares_no_secret_with_another(deskpro, make_key):
    other = make_key("other@example.com")
    number, secret = deskpro.key.split(":", 1)
    assert deskpro.get("me", key=f"{other.split(':')[0]}:{secret}").status_code == 401


def test_tags_allow_and_deny_endpoints(deskpro, make_key):
    key = make_key(name="tickets only", tags="tickets.*, -*.delete")
    assert deskpro.get("tickets", key=key).status_code == 200
    denied = deskpro.get("people", key=key)
    assert denied.status_code == 403 and denied.get_json()["code"] == "forbidden"
    assert deskpro.get("me", key=key).status_code == 403
    assert deskpro("DELETE", "tickets/1", key=key).status_code == 403


def test_read_only_key_cannot_write(deskpro, make_key):
    key = make_key(name="reader", read_only=True)
    assert deskpro.get("tickets", key=key).status_code == 200
    response = deskpro("POST", "tickets", body={"subject": "x"}, key=key)
    assert response.status_code == 403 and "read-only" in response.get_json()["message"]


def test_hourly_cap_answers_429_with_retry_after(deskpro, make_key):
    key = make_key(name="capped", hourly=2)
    assert [deskpro.get("me", key=key).status_code for _ in range(2)] == [200, 200]
    response = deskpro.get("me", key=key)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["code"] == "rate_limits"


def test_daily_cap(deskpro, make_key):
    key = make_key(name="daily", daily=1)
    assert deskpro.get("me", key=key).status_code == 200
    assert deskpro.get("me", key=key).status_code == 429


def test_failed_authentications_are_throttled_per_address(app, deskpro):
    app.config["RATELIMIT_API_KEY_FAILURES"] = "3 per 15 minutes"
    for _ in range(3):
        assert deskpro.get("me", key="1:wrong").status_code == 401
    throttled = deskpro.get("me")  # even the right key, from this address, waits
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    other = deskpro.client.get("/api/v2/me", headers={"Authorization": f"key {deskpro.key}"},
                               environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_token_auth_is_not_built_yet_and_says_so(deskpro):
    response = deskpro.get("me", key=None, headers={"Authorization": "token 1:abc"})
    assert response.status_code == 401 and response.get_json()["message"] == "Invalid API Token."


def test_unknown_paths_are_404_and_wrong_verbs_405_in_the_dialects_shape(deskpro):
    missing = deskpro.get("nothing/here")
    assert missing.status_code == 404 and missing.get_json()["status"] == 404
    assert deskpro.get("").status_code == 404
    assert deskpro.get("tickets/99999999999999").status_code == 404
    wrong = deskpro("PATCH", "me")
    assert wrong.status_code == 405 and wrong.get_json()["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]


def test_the_helpspot_bearer_token_is_a_key(app, client, make_key):
    key = make_key(name="hs", tags="helpspot.*, -helpspot.private.request.create")
    number, secret = key.split(":", 1)
    from portal import settings
    with app.app_context():
        settings.set_value("private_api", True)
        db.session.commit()
    for credential in (key, secret):
        ok = client.get("/api/index.php", query_string={"method": "private.version"},
                        headers={"Authorization": f"Bearer {credential}"})
        assert ok.status_code == 200, ok.data
    refused = client.get("/api/index.php", query_string={"method": "private.request.create"},
                         headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 403
    # A HelpSpot token made before keys works as a DeskPRO key too.
    from portal.accounts.models import Staff
    from portal.accounts.services import create_api_token
    with app.app_context():
        token, bare = create_api_token(db.session.get(Staff, 1), "old script")
        db.session.commit()
        token_id = token.id
    assert client.get("/api/v2/me", headers={"Authorization": f"key {token_id}:{bare}"}).status_code == 200


def test_read_only_helpspot_key(app, client, make_key):
    key = make_key(name="ro", read_only=True)
    from portal import settings
    with app.app_context():
        settings.set_value("private_api", True)
        db.session.commit()
    assert client.get("/api/index.php", query_string={"method": "private.request.getCategories"},
                      headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert client.post("/api/index.php", data={"method": "private.request.create"},
                       headers={"Authorization": f"Bearer {key}"}).status_code == 403


def test_a_staff_session_cookie_is_no_key(client, make_staff):
    """The REST dialects skip CSRF because they never act on a session: a logged-in browser gets 401."""
    make_staff("agent@example.com")
    client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert client.get("/api/v2/me").status_code == 401
    assert client.post("/api/v2/tickets", data="{}").status_code == 401
