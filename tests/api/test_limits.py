"""A rate-limited API call answers 429 with Retry-After and the error envelope (id 429)."""
import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "2 per minute"}


@pytest.mark.parametrize("output", ["xml", "json"])
def test_rate_limited_call(api, output):
    for _ in range(2):
        assert api.call("version", output=output).status_code == 200
    response = api.call("version", output=output)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-HelpSpot-API"] == "2.0"
    if output == "json":
        assert response.get_json(force=True) == {
            "error": [{"id": 429, "description": "Too many requests. Please wait and try again."}]}
    else:
        assert b"<id>429</id>" in response.data
