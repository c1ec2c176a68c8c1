"""With CSRF protection on (as in production), staff forms without a token are refused."""
import re

import pytest


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(html: bytes) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()


def test_login_without_a_token_is_refused(client, make_staff):
    make_staff()
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_forms_work_with_the_token_and_fail_without_it(client, make_staff):
    make_staff()
    token = _token(client.get("/staff/login").data)
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse",
                                                 "csrf_token": token})
    assert response.status_code == 302
    page = client.get("/staff/profile")
    assert client.post("/staff/profile/tokens", data={"name": "script"}).status_code == 400
    created = client.post("/staff/profile/tokens", data={"name": "script", "csrf_token": _token(page.data)})
    assert created.status_code == 200 and b"ptk_" in created.data
    assert client.post("/staff/logout").status_code == 400  # logging out needs the token too
