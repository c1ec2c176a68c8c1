"""DeskPRO v2 token exchange: email and password for a token, the staff login's own check and throttling."""
from portal.accounts.models import LoginAttempt
from portal.accounts.services import MAX_FAILURES
from portal.apikeys.models import ApiKey
from portal.extensions import db

CHALLENGE = 'session,token,key realm="DeskPRO API"'


def exchange(deskpro, email="agent@example.com", password="correct horse", **kw):
    return deskpro("POST", "api_tokens", body={"email": email, "password": password}, key=None, **kw)


def test_exchange_answers_201_and_the_token_works_as_person_id_token(app, deskpro):
    response = exchange(deskpro)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"data", "meta", "linked"}
    person, token = body["data"]["person_id"], body["data"]["token"]
    me = deskpro.get("me", key=None, headers={"Authorization": f"token {person}:{token}"})
    assert me.status_code == 200
    assert me.get_json()["data"]["auth_method"] == "api_token" and me.get_json()["data"]["person_id"] == person
    with app.app_context():  # a key of the staff member's, so listed and revocable with the others
        key = db.session.execute(db.select(ApiKey).where(ApiKey.staff_id == person,
                                                         ApiKey.name.like("API token%"))).scalar_one()
        assert token not in key.token_hash


def test_a_token_needs_its_own_person_id(deskpro, make_staff):
    make_staff("other@example.com")
    data = exchange(deskpro).get_json()["data"]
    for header in (f"token {data['person_id'] + 1}:{data['token']}", f"token {data['token']}",
                   f"token {data['person_id']}:nope", "token x:y"):
        response = deskpro.get("me", key=None, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["message"] == "Invalid API Token."
        assert response.headers["WWW-Authenticate"] == CHALLENGE


def test_a_revoked_token_is_refused_at_once(app, deskpro):
    data = exchange(deskpro).get_json()["data"]
    header = {"Authorization": f"token {data['person_id']}:{data['token']}"}
    assert deskpro.get("me", key=None, headers=header).status_code == 200
    with app.app_context():
        from portal.apikeys.services import revoke_key
        key = db.session.execute(db.select(ApiKey).where(ApiKey.name.like("API token%"))).scalar_one()
        revoke_key(key.staff, key.id)
        db.session.commit()
    assert deskpro.get("me", key=None, headers=header).status_code == 401


def test_bad_credentials_401_and_the_failure_is_kept(app, deskpro):
    response = exchange(deskpro, password="wrong")
    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == "bad_credentials" and body["status"] == 401 and body["message"]
    assert exchange(deskpro, email="nobody@example.com").status_code == 401
    with app.app_context():
        failures = db.session.scalars(db.select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))).all()
        assert {f.account for f in failures} == {"staff:agent@example.com", "staff:nobody@example.com"}


def test_deactivated_staff_get_no_token(app, deskpro):
    from portal.accounts.models import Staff
    with app.app_context():
        staff = db.session.execute(db.select(Staff).where(Staff.email == "agent@example.com")).scalar_one()
        staff.active = False
        db.session.commit()
    assert exchange(deskpro).status_code == 401


def test_failed_exchanges_are_throttled_like_logins(app, deskpro):
    for _ in range(MAX_FAILURES):
        assert exchange(deskpro, password="wrong").status_code == 401
    response = exchange(deskpro)  # the right password too, once the account is throttled
    assert response.status_code == 429
    assert response.get_json()["code"] == "rate_limits" and int(response.headers["Retry-After"]) > 0
    # the staff login page counts the same failures
    page = deskpro.client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert page.status_code == 429


def test_empty_body_names_both_fields(deskpro):
    response = deskpro("POST", "api_tokens", key=None)
    assert response.status_code == 400
    fields = response.get_json()["errors"]["fields"]
    for name in ("email", "password"):
        assert fields[name] == {"errors": [{"code": "required", "message": "This value should not be blank."}]}


def test_exchange_ignores_a_key_sent_with_it(deskpro):
    response = deskpro("POST", "api_tokens", body={"email": "agent@example.com", "password": "correct horse"},
                       key="1:wrong")
    assert response.status_code == 201
    assert deskpro.get("api_tokens").status_code == 405
