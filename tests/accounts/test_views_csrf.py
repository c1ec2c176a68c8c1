"""With CSRF protection on, every account form needs its token: a forged post is refused with 400."""
import re

import pytest


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("url, data", [
    ("/account/login", {"email": "kim@example.com", "password": "kims password"}),
    ("/account/register", {"email": "new@example.com", "password": "secret123", "confirm": "secret123"}),
    ("/account/forgot", {"email": "kim@example.com"}),
    ("/account/logout", {}),
])
def test_posts_without_the_token_are_refused(client, customer, url, data):
    assert client.post(url, data=data).status_code == 400


def test_login_and_logout_with_the_token(client, customer):
    token = _token(client, "/account/login")
    response = client.post("/account/login", data={"email": customer[0], "password": customer[1],
                                                   "csrf_token": token})
    assert response.status_code == 302
    history = client.get("/account/requests").get_data(as_text=True)
    logout_token = re.search(r'name="csrf_token" value="([^"]+)"', history).group(1)
    assert client.post("/account/logout").status_code == 400  # a forged log-out does nothing
    assert client.get("/account/requests").status_code == 200
    assert client.post("/account/logout", data={"csrf_token": logout_token}).status_code == 302
    assert client.get("/account/requests").status_code == 302


def test_change_password_needs_the_token(client, customer):
    token = _token(client, "/account/login")
    client.post("/account/login", data={"email": customer[0], "password": customer[1], "csrf_token": token})
    data = {"current": customer[1], "password": "brand new pw", "confirm": "brand new pw"}
    assert client.post("/account/password", data=data).status_code == 400
