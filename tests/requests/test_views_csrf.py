"""With CSRF protection on (as in production), the request forms carry the token and refuse posts without it."""
import re

import pytest

from portal.extensions import db
from portal.requests.models import Request
from tests.requests.test_views import form_data, open_request


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_new_request_without_the_token_is_refused(app, client):
    response = client.post("/requests/new", data=form_data(app))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(Request)).first() is None


def test_new_request_with_the_token_from_the_form_is_accepted(app, client):
    data = form_data(app, csrf_token=_token(client, "/requests/new"))
    assert client.post("/requests/new", data=data).status_code == 302


def test_update_and_lookup_need_the_token(app, client):
    _, key = open_request(app)
    assert client.post(f"/requests/{key}", data={"update": "Forged"}).status_code == 400
    assert client.post("/requests/check", data={"access_key": key}).status_code == 400
    token = _token(client, f"/requests/{key}")
    assert client.post(f"/requests/{key}", data={"update": "Real", "csrf_token": token}).status_code == 302
    assert client.post("/requests/check", data={"access_key": key, "csrf_token": token}).status_code == 302
