"""Private API authentication: Bearer token, HTTP Basic, username/password parameters; errors 1, 2, 3."""
import pytest

from portal.extensions import db

from .conftest import basic, error_ids


@pytest.fixture
def agent(make_staff):
    return make_staff("agent@example.com", "correct horse")


@pytest.fixture
def token(app, agent):
    from portal.accounts.models import Staff
    from portal.accounts.services import create_api_token

    with app.app_context():
        _, secret = create_api_token(db.session.get(Staff, agent), "script")
        db.session.commit()
    return secret


def test_bearer_token(api, token):
    response, body = api.json("private.version", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and body == {"version": "2.0", "min_version": "1.7"}


def test_bad_token_is_error_2_without_fallback(api, agent):
    response, body = api.json("private.version", headers={"Authorization": "Bearer ptk_nope"},
                              username="agent@example.com", password="correct horse")
    assert response.status_code == 400
    assert body == {"error": [{"id": 2, "description": "User authentication failed"}]}


def test_revoked_token(api, app, token, agent):
    from portal.accounts.models import ApiToken, Staff
    from portal.accounts.services import revoke_api_token

    with app.app_context():
        token_id = db.session.execute(db.select(ApiToken.id)).scalar()
        revoke_api_token(db.session.get(Staff, agent), token_id)
        db.session.commit()
    assert api.call("private.version", headers={"Authorization": f"Bearer {token}"}).status_code == 400


@pytest.mark.parametrize("via", ["query", "body", "both"])
def test_basic_and_parameters(api, agent, via):
    assert api.call("private.version", via=via, headers=basic("agent@example.com", "correct horse")).status_code == 200
    assert api.call("private.version", via=via, username="agent@example.com",
                    password="correct horse").status_code == 200


def test_parameters_override_basic(api, agent):
    response = api.call("private.version", headers=basic("agent@example.com", "wrong"),
                        username="agent@example.com", password="correct horse")
    assert response.status_code == 200


@pytest.mark.parametrize("headers", [None, {"Authorization": "Basic Og=="}])
def test_no_credentials_is_1_and_2_with_401(api, headers):
    response, root = api.xml("private.version", headers=headers)
    assert response.status_code == 401 and error_ids(root) == [1, 2]
    assert response.headers["WWW-Authenticate"] == 'Basic realm="API Authentication"'
    assert response.headers["X-HelpSpot-API"] == "2.0"


def test_wrong_password_is_2(api, agent):
    response, root = api.xml("private.version", headers=basic("agent@example.com", "wrong"))
    assert response.status_code == 400 and error_ids(root) == [2]
    assert "WWW-Authenticate" not in response.headers


def test_auth_failure_and_bad_method_together(api, agent):
    response, root = api.xml("private.nothing", headers=basic("agent@example.com", "wrong"))
    assert error_ids(root) == [2, 201]


def test_unbuilt_private_method_is_201(api, agent):
    response, root = api.xml("private.util.getStaffPhoto", headers=basic("agent@example.com", "correct horse"))
    assert response.status_code == 400 and error_ids(root) == [201]


def test_removed_method_is_303(api, agent):
    response, root = api.xml("private.customer.getPasswordByEmail", headers=basic("agent@example.com",
                                                                                  "correct horse"))
    assert error_ids(root) == [303]


def test_failed_logins_throttled_per_account(api, agent):
    for _ in range(10):
        assert api.call("private.version", headers=basic("agent@example.com", "wrong")).status_code == 400
    response, root = api.xml("private.version", headers=basic("agent@example.com", "correct horse"))
    assert response.status_code == 429 and error_ids(root) == [3]
    assert int(response.headers["Retry-After"]) > 0


def test_failed_logins_throttled_per_address(api, app, agent, monkeypatch):
    from portal.accounts import services

    monkeypatch.setattr(services, "MAX_IP_FAILURES", 3)
    for n in range(3):
        api.call("private.version", headers=basic(f"guess{n}@example.com", "wrong"))
    response, root = api.xml("private.version", headers=basic("agent@example.com", "correct horse"))
    assert response.status_code == 429 and error_ids(root) == [3]


def test_inactive_staff_cannot_log_in(api, app, agent, token):
    from portal.accounts.models import Staff

    with app.app_context():
        db.session.get(Staff, agent).active = False
        db.session.commit()
    assert api.call("private.version", headers=basic("agent@example.com", "correct horse")).status_code == 400
    assert api.call("private.version", headers={"Authorization": f"Bearer {token}"}).status_code == 400


def test_moderator_token_cannot_read_requests(api, app, make_staff, build):
    from portal.accounts.models import Staff
    from portal.accounts.services import create_api_token

    moderator = make_staff("mod@example.com", role="moderator")
    request_id, _ = build.request()
    with app.app_context():
        _, secret = create_api_token(db.session.get(Staff, moderator), "mod script")
        db.session.commit()
    response, body = api.json("private.request.get", xRequest=request_id,
                              headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    assert body["error"][0]["id"] == 2 and "permission" in body["error"][0]["description"]
    assert api.call("private.version", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
