"""An API reply must never be something a browser renders as a page of the portal's origin.

Every reply under /api (success, error, "not enabled", 404, 405, 413, 429, 500, /api/status) carries
``Content-Security-Policy: default-src 'none'; sandbox`` and ``nosniff``, comes in the API's envelope and
format, and the PHP format is served as text/plain. No error text repeats what the caller typed."""
import json

import pytest

from portal.api import registry
from tests.api.conftest import Api, php_unserialize, set_setting

API_CSP = "default-src 'none'; sandbox"
PHP_TYPE = "text/plain; charset=UTF-8"
SCRIPT = "<script>document.title='pwned'</script>"


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.fixture
def api(app, client):
    set_setting(app, "public_api", True)
    return Api(client)


def assert_api_headers(response):
    assert response.headers["Content-Security-Policy"] == API_CSP, response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-HelpSpot-API"] == "2.0"
    assert not response.content_type.startswith("text/html"), response.content_type


@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_a_successful_reply_is_sandboxed(api, output):
    response = api.call("version", output=output)
    assert response.status_code == 200
    assert_api_headers(response)


def test_php_is_plain_text(api):
    response = api.call("version", output="php")
    assert response.headers["Content-Type"] == PHP_TYPE
    assert php_unserialize(response.get_data(as_text=True)) == {"version": "2.0", "min_version": "1.7"}


@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_an_error_reply_is_sandboxed(api, output):
    response = api.call("kb.get", output=output)
    assert response.status_code == 400
    assert_api_headers(response)


@pytest.mark.parametrize("output, content_type", [("xml", "text/xml"), ("json", "application/json;"),
                                                  ("php", PHP_TYPE)])
def test_not_enabled_is_sandboxed_in_its_format(api, app, output, content_type):
    set_setting(app, "public_api", False)
    response = api.call("kb.list", output=output)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == content_type
    assert_api_headers(response)


def test_status_is_sandboxed(client):
    assert_api_headers(client.get("/api/status"))


@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_an_unknown_api_path_is_an_api_404(client, output):
    response = client.get("/api/no-such-thing", query_string={"output": output})
    assert response.status_code == 404
    assert_api_headers(response)
    assert _error_ids(response, output) == [404]


@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_an_unrouted_verb_is_an_api_405(client, output):
    response = client.open("/api/index.php", method="TRACE", query_string={"method": "version", "output": output})
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert_api_headers(response)
    assert _error_ids(response, output) == [405]


def test_a_500_is_sandboxed(api, monkeypatch):
    def broken(params):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.REGISTRY, "version", registry.Method("version", broken, "results"))
    response = api.call("version", output="php")
    assert response.status_code == 500
    assert_api_headers(response)
    assert response.headers["Content-Type"] == PHP_TYPE


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_API": "1 per minute"}],
                         indirect=True)
def test_a_429_is_sandboxed(api):
    assert api.call("version").status_code == 200
    response = api.call("version", output="php")
    assert response.status_code == 429
    assert_api_headers(response)
    assert _error_ids(response, "php") == [429]


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1000}], indirect=True)
def test_a_413_is_sandboxed_in_the_envelope(api):
    response = api.client.post("/api/index.php", query_string={"method": "version", "output": "json"},
                               data={"tNote": "x" * 2000})
    assert response.status_code == 413
    assert_api_headers(response)
    assert _error_ids(response, "json") == [413]


def _error_ids(response, output):
    text = response.get_data(as_text=True)
    if output == "json":
        return [e["id"] for e in json.loads(text)["error"]]
    if output == "php":
        return [e["id"] for e in php_unserialize(text)["error"].values()]
    from xml.etree import ElementTree
    return [int(e.findtext("id")) for e in ElementTree.fromstring(text).findall("error")]


# --- no raw input in error texts ---------------------------------------------------------------

@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_an_invalid_email_is_not_echoed(api, output):
    response = api.call("request.create", via="body", output=output, tNote="Help", sEmail=SCRIPT)
    assert response.status_code == 400
    assert_api_headers(response)
    body = response.get_data(as_text=True)
    assert "<script" not in body and "pwned" not in body
    assert "not a valid email address" in body


def test_an_invalid_forum_email_is_not_echoed(api, build):
    forum_id = build.forum()
    response = api.call("forums.createTopic", via="body", output="php", xForumId=forum_id, sTopic="Hi",
                        sName="Bob", tPost="Hello", sEmail=SCRIPT)
    assert response.status_code == 400
    assert "pwned" not in response.get_data(as_text=True)


@pytest.fixture
def build(app):
    from tests.api.conftest import Builder

    return Builder(app)


@pytest.mark.parametrize("output", ["xml", "json", "php"])
def test_an_unreachable_database_is_an_api_503(tmp_path, output):
    from tests.conftest import make_app

    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-portico-dir/sub/portico.db")
    response = app.test_client().get("/api/index.php", query_string={"method": "version", "output": output})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert_api_headers(response)
    assert _error_ids(response, output) == [503]


def test_a_reply_from_the_page_cache_is_sandboxed(api):
    first = api.call("kb.list", output="php")
    again = api.call("kb.list", output="php")
    assert first.data == again.data
    for response in (first, again):
        assert_api_headers(response)
        assert response.headers["Content-Type"] == PHP_TYPE
