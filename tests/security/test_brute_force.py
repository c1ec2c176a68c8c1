"""Guessing access keys, passwords (staff, customer, API Basic), API tokens and reset tokens is slowed:
with small limits, a 429 with Retry-After comes before the right guess can succeed, and the per-account
throttle stops a guess of one account spread over many client addresses."""
import base64

import pytest

from portal.accounts.services import MAX_FAILURES
from tests.security.test_injection import World

LIMIT = 3


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": f"{LIMIT} per minute", "RATELIMIT_ACCESS_KEY": f"{LIMIT} per minute",
            "RATELIMIT_API": f"{LIMIT} per minute"}


@pytest.fixture
def world(app):
    from portal import settings
    from portal.extensions import db

    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    return World.build(app)


def basic(email, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


def assert_limited(response, name=""):
    assert response.status_code == 429, (name, response.status_code)
    assert 1 <= int(response.headers["Retry-After"]) <= 3600


def guesses(world):
    """(name, wrong guess, right guess): each a function of the client returning the response."""
    key = world.access_key
    wrong_key = key[:-1] + ("a" if key[-1] != "a" else "b")
    return [
        ("staff login", lambda c, ip: c.post("/staff/login", data={"email": "admin@example.com", "password": "guess"},
                                              environ_base=ip),
         lambda c, ip: c.post("/staff/login", data={"email": "admin@example.com", "password": "correct horse"},
                              environ_base=ip), 302),
        ("customer login", lambda c, ip: c.post("/account/login", data={"email": "tsmith@companyco.com",
                                                                         "password": "guess"}, environ_base=ip),
         lambda c, ip: c.post("/account/login", data={"email": "tsmith@companyco.com", "password": "nusoxdln"},
                              environ_base=ip), 302),
        ("access key page", lambda c, ip: c.get(f"/requests/{wrong_key}", environ_base=ip),
         lambda c, ip: c.get(f"/requests/{key}", environ_base=ip), 200),
        ("access key lookup", lambda c, ip: c.post("/requests/check", data={"access_key": wrong_key}, environ_base=ip),
         lambda c, ip: c.post("/requests/check", data={"access_key": key}, environ_base=ip), 302),
        ("API Basic", lambda c, ip: c.get("/api/index.php", query_string={"method": "private.version"},
                                          headers=basic("admin@example.com", "guess"), environ_base=ip),
         lambda c, ip: c.get("/api/index.php", query_string={"method": "private.version"},
                             headers=basic("admin@example.com", "correct horse"), environ_base=ip), 200),
        ("API token", lambda c, ip: c.get("/api/index.php", query_string={"method": "private.version"},
                                          headers={"Authorization": "Bearer ptk_guess"}, environ_base=ip),
         lambda c, ip: c.get("/api/index.php", query_string={"method": "private.version"},
                             headers={"Authorization": f"Bearer {world.token}"}, environ_base=ip), 200),
        ("API access key", lambda c, ip: c.get("/api/index.php", query_string={"method": "request.get",
                                                                              "accesskey": wrong_key}, environ_base=ip),
         lambda c, ip: c.get("/api/index.php", query_string={"method": "request.get", "accesskey": key},
                             environ_base=ip), 200),
        ("reset token", lambda c, ip: c.get("/account/reset/" + "A" * 43, environ_base=ip),
         lambda c, ip: c.get(f"/account/reset/{world.reset_token}", environ_base=ip), 200),
    ]


def test_every_guessable_secret_is_rate_limited_before_the_right_guess(app, world):
    for index, (name, wrong, right, success) in enumerate(guesses(world)):
        client = app.test_client()
        ip = {"REMOTE_ADDR": f"10.0.{index}.1"}
        # The right guess works from a fresh address: the 429 below is the limit, not a broken secret.
        assert right(app.test_client(), {"REMOTE_ADDR": f"10.1.{index}.1"}).status_code == success, name
        for attempt in range(LIMIT):
            response = wrong(client, ip)
            assert response.status_code not in (429, success, 500), (name, attempt, response.status_code)
        assert_limited(wrong(client, ip), name)
        response = right(client, ip)
        assert_limited(response, name)  # the right secret, guessed now, is refused too
        assert b"correct horse" not in response.data


@pytest.mark.parametrize("kind", ["staff", "customer", "api"])
def test_a_guess_spread_over_many_addresses_is_stopped_per_account(app, world, kind):
    client = app.test_client()
    wrong, right, success = {
        "staff": (lambda ip: client.post("/staff/login", data={"email": "admin@example.com", "password": "guess"},
                                         environ_base=ip),
                  lambda ip: client.post("/staff/login", data={"email": "admin@example.com",
                                                               "password": "correct horse"}, environ_base=ip), 302),
        "customer": (lambda ip: client.post("/account/login", data={"email": "tsmith@companyco.com",
                                                                    "password": "guess"}, environ_base=ip),
                     lambda ip: client.post("/account/login", data={"email": "tsmith@companyco.com",
                                                                    "password": "nusoxdln"}, environ_base=ip), 302),
        "api": (lambda ip: client.get("/api/index.php", query_string={"method": "private.version"},
                                      headers=basic("admin@example.com", "guess"), environ_base=ip),
                lambda ip: client.get("/api/index.php", query_string={"method": "private.version"},
                                      headers=basic("admin@example.com", "correct horse"), environ_base=ip), 200),
    }[kind]
    for attempt in range(MAX_FAILURES):  # one guess per address: the per-address limit never trips
        response = wrong({"REMOTE_ADDR": f"192.0.2.{attempt + 1}"})
        assert response.status_code not in (429, success), (attempt, response.status_code)
    response = right({"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 429, (kind, response.status_code)
    assert int(response.headers["Retry-After"]) >= 1
    # Another account is not locked by it.
    if kind == "staff":
        assert client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"},
                           environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 302


@pytest.mark.parametrize("url,config_key", [("/staff/login", "RATELIMIT_LOGIN"),
                                            ("/account/login", "RATELIMIT_LOGIN"),
                                            ("/forums/1", "RATELIMIT_FORUM_POST"),
                                            ("/forums/topics/1", "RATELIMIT_FORUM_POST")])
def test_the_real_views_obey_the_central_limit_and_no_other(app, url, config_key):
    # A limit hard-coded on a view used to shadow the table's: RATELIMIT_LOGIN was ignored by /staff/login.
    app.config[config_key] = "2 per minute"
    client = app.test_client()
    codes = [client.post(url, data={"email": "x@example.com"}).status_code for _ in range(3)]
    assert 429 not in codes[:2] and codes[2] == 429, codes
