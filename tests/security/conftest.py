"""Fixtures for the security tests: a bare Flask app whose dummy views carry the real endpoint names,
so the central limit table is tested without the pages other branches are building."""
import os

import pytest
from flask import Blueprint, Flask, jsonify

from portal import security
from portal.extensions import limiter

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# (blueprint, rule, endpoint function name, methods): the endpoint names fixed by the URL map.
DUMMY_ROUTES = [
    ("staff", "/staff/login", "login", ["GET", "POST"]),
    ("accounts", "/account/login", "login", ["GET", "POST"]),
    ("requests", "/requests/check", "lookup", ["GET", "POST"]),
    ("requests", "/requests/<key>", "check", ["GET", "POST"]),
    ("requests", "/requests/new", "new", ["GET", "POST"]),
    ("forums", "/forums/<int:forum_id>", "forum", ["GET", "POST"]),
    ("forums", "/forums/topics/<int:topic_id>", "topic", ["GET", "POST"]),
    ("search", "/search/suggest", "suggest", ["GET"]),
    ("api", "/api/index.php", "dispatch", ["GET", "POST"]),
    ("api", "/api/status", "status", ["GET"]),
    ("kb", "/kb/pages/<int:page_id>", "page", ["GET"]),
]


def _dummy_view(*args, **kwargs):
    return jsonify(ok=True)


def build_limited_app(**config) -> Flask:
    """A Flask app with the dummy routes, Flask-Limiter bound, then security.init_app, as create_app does.

    Every endpoint shares one view function on purpose: the limits must still stay per endpoint."""
    app = Flask("limited-test-app")
    app.config.update(TESTING=True, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      RATELIMIT_HEADERS_ENABLED=True)
    app.config.update(config)
    limiter.init_app(app)
    blueprints: dict[str, Blueprint] = {}
    for bp_name, rule, name, methods in DUMMY_ROUTES:
        bp = blueprints.setdefault(bp_name, Blueprint(bp_name, __name__))
        bp.add_url_rule(rule, endpoint=name, view_func=_dummy_view, methods=methods)
    for bp in blueprints.values():
        app.register_blueprint(bp)
    security.init_app(app)
    return app


@pytest.fixture
def limited_app():
    return build_limited_app


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    try:
        client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5)
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}: {exc}")
    client.flushdb()
    yield TEST_REDIS_URL
    client.flushdb()
    client.close()
