"""Rate limits from the central table in portal.security, on the endpoints the URL map names."""
import pytest

from portal import security


def _hit(client, method, url, times):
    return [getattr(client, method)(url).status_code for _ in range(times)]


@pytest.mark.parametrize("method,url,config_key", [
    ("post", "/staff/login", "RATELIMIT_LOGIN"),
    ("post", "/account/login", "RATELIMIT_LOGIN"),
    ("get", "/requests/check", "RATELIMIT_ACCESS_KEY"),
    ("post", "/requests/check", "RATELIMIT_ACCESS_KEY"),
    ("get", "/requests/12abc", "RATELIMIT_ACCESS_KEY"),
    ("post", "/requests/12abc", "RATELIMIT_ACCESS_KEY"),
    ("post", "/requests/new", "RATELIMIT_NEW_REQUEST"),
    ("post", "/forums/1", "RATELIMIT_FORUM_POST"),
    ("post", "/forums/topics/1", "RATELIMIT_FORUM_POST"),
    ("get", "/search/suggest", "RATELIMIT_SEARCH_SUGGEST"),
    ("get", "/api/index.php", "RATELIMIT_API"),
    ("post", "/api/index.php", "RATELIMIT_API"),
    ("get", "/api/status", "RATELIMIT_API"),
])
def test_each_limited_endpoint_answers_429_past_its_configured_limit(limited_app, method, url, config_key):
    app = limited_app(**{config_key: "3 per minute"})
    client = app.test_client()
    assert _hit(client, method, url, 4) == [200, 200, 200, 429]
    response = getattr(client, method)(url)
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60


def test_get_is_free_where_only_posts_are_limited(limited_app):
    app = limited_app(RATELIMIT_LOGIN="2 per minute", RATELIMIT_NEW_REQUEST="2 per minute",
                      RATELIMIT_FORUM_POST="2 per minute")
    client = app.test_client()
    for url in ("/staff/login", "/account/login", "/requests/new", "/forums/1", "/forums/topics/1"):
        assert _hit(client, "get", url, 5) == [200] * 5
        assert _hit(client, "post", url, 3) == [200, 200, 429]


def test_limits_are_counted_per_endpoint_even_when_views_share_a_function(limited_app):
    # All dummy routes use one view function: exhausting one endpoint must not touch another.
    app = limited_app(RATELIMIT_LOGIN="2 per minute", RATELIMIT_ACCESS_KEY="2 per minute")
    client = app.test_client()
    assert _hit(client, "post", "/staff/login", 3) == [200, 200, 429]
    assert _hit(client, "post", "/account/login", 2) == [200, 200]
    assert _hit(client, "get", "/requests/check", 2) == [200, 200]


def test_unlisted_endpoints_are_not_limited(limited_app):
    app = limited_app(RATELIMIT_API="1 per minute", RATELIMIT_ACCESS_KEY="1 per minute")
    client = app.test_client()
    assert _hit(client, "get", "/kb/pages/1", 20) == [200] * 20


def test_limits_are_per_client_address(limited_app):
    app = limited_app(RATELIMIT_LOGIN="1 per minute")
    client = app.test_client()
    assert client.post("/staff/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 200
    assert client.post("/staff/login", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    assert client.post("/staff/login", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_disabled_limits_never_answer_429(limited_app):
    app = limited_app(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN="1 per minute")
    client = app.test_client()
    assert _hit(client, "post", "/staff/login", 5) == [200] * 5


def test_defaults_are_set_and_documented_for_every_table_entry(limited_app):
    app = limited_app()
    keys = {key for key, _ in security.LIMITED_ENDPOINTS.values()} | {security.API_LIMIT[0]}
    assert keys == set(security.LIMIT_DEFAULTS)
    for key in keys:
        assert app.config[key] == security.LIMIT_DEFAULTS[key]
    readme = (security.__file__.rsplit("/portal/", 1)[0] + "/README.md")
    with open(readme, encoding="utf-8") as fh:
        text = fh.read()
    for key in keys:
        assert f"`{key}`" in text, f"{key} is not documented in README.md"


def test_applying_twice_does_not_double_count(limited_app):
    app = limited_app(RATELIMIT_LOGIN="2 per minute")
    assert security.apply_limits(app) == []
    client = app.test_client()
    assert _hit(client, "post", "/staff/login", 3) == [200, 200, 429]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_ACCESS_KEY": "2 per minute"}])
def test_the_real_app_limits_its_access_key_page_with_an_html_429(client):
    codes = _hit(client, "get", "/requests/1abcdef", 2)
    assert 429 not in codes
    response = client.get("/requests/1abcdef", headers={"Accept": "text/html"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert b"Too many requests" in response.data
    assert response.headers["Content-Security-Policy"] == security.CONTENT_SECURITY_POLICY


def test_redis_storage_keeps_counts_across_app_instances(limited_app, redis_url):
    # Two workers are two app instances; the count must live in Redis, not in either process.
    first = limited_app(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_LOGIN="2 per minute")
    assert _hit(first.test_client(), "post", "/staff/login", 2) == [200, 200]
    second = limited_app(RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_LOGIN="2 per minute")
    assert second.test_client().post("/staff/login").status_code == 429


def test_memory_storage_is_per_instance(limited_app):
    # The contrast to the Redis test: it proves that test measures the storage, not the app.
    first = limited_app(RATELIMIT_LOGIN="2 per minute")
    assert _hit(first.test_client(), "post", "/staff/login", 2) == [200, 200]
    second = limited_app(RATELIMIT_LOGIN="2 per minute")
    assert second.test_client().post("/staff/login").status_code == 200


def test_create_app_uses_redis_when_redis_url_is_set(tmp_path, redis_url):
    from tests.conftest import make_app

    app = make_app(tmp_path, REDIS_URL=redis_url)
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_url


def test_csrf_exemptions_survive_the_limit_wrapping():
    # The API authenticates by token and is exempt from CSRF (csrf.exempt matches module + name);
    # wrapping its view for rate limiting must keep that, and keep the check on every other form.
    from flask import Blueprint, Flask

    from portal.extensions import csrf, limiter

    def api_call():
        return "api ok"

    def new_request():
        return "form ok"

    app = Flask("csrf-test-app")
    app.config.update(SECRET_KEY="x", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      WTF_CSRF_ENABLED=True)
    limiter.init_app(app)
    csrf.init_app(app)
    api, requests = Blueprint("api", __name__), Blueprint("requests", __name__)
    api.add_url_rule("/api/index.php", endpoint="dispatch", view_func=api_call, methods=["POST"])
    requests.add_url_rule("/requests/new", endpoint="new", view_func=new_request, methods=["POST"])
    app.register_blueprint(api)
    app.register_blueprint(requests)
    csrf.exempt(api_call)
    assert sorted(security.apply_limits(app)) == ["api.dispatch", "requests.new"]
    client = app.test_client()
    assert client.post("/api/index.php").status_code == 200
    assert client.post("/requests/new").status_code == 400


def test_any_429_gets_a_retry_after(app, client):
    # The per-account login throttle raises its own 429 (TooManyAttempts), outside Flask-Limiter.
    from portal.accounts.services import TooManyAttempts

    def throttled():
        raise TooManyAttempts()

    app.add_url_rule("/_test/throttled", view_func=throttled)
    response = client.get("/_test/throttled", headers={"Accept": "text/html"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
