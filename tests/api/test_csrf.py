"""CSRF protection does not apply to the API (clients send no CSRF token)."""
import pytest


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("via", ["body", "multipart"])
def test_post_without_csrf_token_is_answered(api, via):
    response = api.call("version", via=via, output="json")
    assert response.status_code == 200
    assert response.get_json(force=True)["version"] == "2.0"
