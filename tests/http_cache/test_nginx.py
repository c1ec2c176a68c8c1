"""Behind Debian's nginx with proxy_cache (bench/nginx.py's configuration, docs/http-caching.md): anonymous
reads are served from nginx's cache, and a change (a new forum post, an edited KB page) shows through the
proxy within HTTP_CACHE_MAX_AGE seconds."""
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.nginx import NGINX, nginx
from bench.server import gunicorn
from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRES_URL, fresh_postgres_database

pytestmark = [pytest.mark.own_database,
              pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (.ci/run installs it)")]
ROOT = Path(__file__).resolve().parents[2]
MAX_AGE = 2  # seconds nginx keeps a page: short, so the test waits little


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'proxy.db'}"
    elif not POSTGRES_URL:
        pytest.skip("PORTICO_TEST_DATABASE_URL is not set")
    else:
        with fresh_postgres_database("portico_proxy") as url:
            yield url


def environment(tmp_path, database_url) -> dict:
    return {"DATABASE_URL": database_url, "SECRET_KEY": "proxy-test", "INSTANCE_PATH": str(tmp_path / "instance"),
            "SEARCH_INDEX_DIR": str(tmp_path / "search"), "UPLOAD_DIR": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": "0", "MAIL_SERVER": "", "LOG_LEVEL": "WARNING", "REDIS_URL": "",
            "HTTP_CACHE_MAX_AGE": str(MAX_AGE), "FLASK_APP": "wsgi"}


def local_app(env: dict):
    return create_app({"TESTING": True, "SECRET_KEY": env["SECRET_KEY"], "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                       "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"], "UPLOAD_DIR": env["UPLOAD_DIR"],
                       "RATELIMIT_ENABLED": False, "MAIL_SERVER": ""})


def prepare(env: dict) -> dict:
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    from tests import factories

    app = local_app(env)
    with app.test_request_context():
        forum = factories.forum("General", "Talk")
        topic, _ = factories.topic_with_replies(forum, _post("First post", title="Proxy topic"))
        page = factories.page(factories.chapter(factories.book("Manual"), "Start"), "Proxy page", "<p>Old text</p>")
        db.session.commit()
        ids = {"topic": topic.id, "page": page.id}
        db.session.remove()
        db.engine.dispose()
    return ids


def _post(body, title=""):
    from portal.forums.services import PostInput

    return PostInput(body=body, name="Sam", title=title)


def get(port: int, path: str) -> tuple[int, str, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept-Language": "en"})
        response = conn.getresponse()
        status, location = response.status, response.getheader("Location")
        body, headers = response.read().decode(), {k.lower(): v for k, v in response.getheaders()}
        if status in (301, 302, 303) and location:
            return get(port, location.replace(f"http://127.0.0.1:{port}", ""))
        return status, body, headers
    finally:
        conn.close()


def wait_for(port: int, path: str, text: str) -> float:
    """Seconds until ``text`` shows at ``path`` through the proxy."""
    began = time.monotonic()
    while text not in get(port, path)[1]:
        assert time.monotonic() - began < MAX_AGE + 5, f"{text!r} never showed at {path}"
        time.sleep(0.1)
    return time.monotonic() - began


def test_reads_come_from_nginx_and_changes_show_within_the_max_age(tmp_path, database_url):
    env = environment(tmp_path, database_url)
    ids = prepare(env)
    with gunicorn("wsgi:app", env, "/healthz", tmp_path / "gunicorn.log") as upstream, \
            nginx(upstream, tmp_path / "nginx") as port:
        topic_url = get(port, f"/forums/topics/{ids['topic']}")  # follows the canonical redirect
        status, body, headers = topic_url
        assert status == 200 and "First post" in body
        paths = {}
        for name, path in (("topic", f"/forums/topics/{ids['topic']}-proxy-topic"),
                           ("page", f"/kb/pages/{ids['page']}-proxy-page")):
            first = get(port, path)
            second = get(port, path)
            assert first[0] == second[0] == 200, (path, first[0], second[0])
            assert second[2].get("x-cache-status") == "HIT", (path, second[2])
            assert "set-cookie" not in first[2] and "set-cookie" not in second[2]
            assert "public" in second[2]["cache-control"] and second[2].get("etag")
            paths[name] = path

        app = local_app(env)
        with app.test_request_context():
            from portal.forums import services as forums
            from portal.forums.models import Topic
            from portal.kb.models import Page

            forums.create_post(db.session.get(Topic, ids["topic"]), _post("A reply through the proxy"))
            db.session.get(Page, ids["page"]).body = "<p>New text after the edit</p>"
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        changed = time.monotonic()
        seconds = {"topic": wait_for(port, paths["topic"], "A reply through the proxy"),
                   "page": wait_for(port, paths["page"], "New text after the edit")}
        # The documented freshness: s-maxage seconds (nginx counts whole seconds: up to one more).
        assert time.monotonic() - changed <= MAX_AGE + 2, seconds

        time.sleep(MAX_AGE + 1.2)  # expired, unchanged: nginx asks again with If-None-Match and gets a 304
        assert get(port, paths["topic"])[2].get("x-cache-status") == "REVALIDATED"
