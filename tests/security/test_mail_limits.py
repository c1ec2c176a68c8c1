"""Limits that could be walked around.

- HEAD was not counted where GET is (access-key and reset pages): now it is.
- Without REDIS_URL each worker counted alone: the count is now per host, in a SQLite file in the instance
  folder shared by every worker (gunicorn forks), and the start-up log says so.
- The API's request.create skipped the portal form's RATELIMIT_NEW_REQUEST, and forums.createTopic/createPost
  the RATELIMIT_FORUM_POST: they now count against the same limits, on the same counters, per address.
  The link-count spam rule applies to the API as to the forms (the form timer and honeypot cannot: an API
  client loads no form).
"""
import logging
import multiprocessing
import time

import pytest

from portal import create_app, security, settings, spam
from portal.extensions import db
from portal.forums.models import Forum, Post
from portal.requests.models import STATUS_SPAM, Request
from tests.conftest import make_app

TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "MAIL_SERVER": "",
               "MAIL_ASYNC": False, "PUBLIC_URL": "http://portal.test", "RATELIMIT_ENABLED": True}


def hit(client, method, url, times, **kwargs):
    return [client.open(url, method=method, **kwargs).status_code for _ in range(times)]


# --- HEAD --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/requests/check", "/requests/12abcdefghijklmnopqrst"])
def test_head_counts_where_get_does_in_the_limit_table(limited_app, url):
    client = limited_app(RATELIMIT_ACCESS_KEY="3 per minute").test_client()
    assert hit(client, "HEAD", url, 3) == [200] * 3
    assert client.get(url).status_code == 429
    assert client.head(url).status_code == 429


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_ACCESS_KEY": "3 per minute"}])
@pytest.mark.parametrize("url", ["/requests/1abcdefghijklmnopqrst", "/account/reset/not-a-real-token",
                                 "/requests/check"])
def test_guessing_keys_and_reset_tokens_with_head_is_limited(client, url):
    codes = hit(client, "HEAD", url, 4)
    assert 429 not in codes[:3] and codes[3] == 429


# --- one count per host without Redis ----------------------------------------------------------------------

@pytest.fixture
def host_apps(tmp_path, monkeypatch):
    """Apps as gunicorn workers make them: one instance folder, one database, no REDIS_URL."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'portico.db'}",
                  UPLOAD_DIR=str(tmp_path / "uploads"), SEARCH_INDEX_DIR=str(tmp_path / "index"),
                  RATELIMIT_ACCESS_KEY="2 per minute")
    made = []

    def make():
        app = create_app(dict(config))
        with app.app_context():
            db.create_all()
        made.append(app)
        return app
    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_without_redis_the_workers_of_a_host_share_one_count(host_apps, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        first = host_apps()
    assert any("REDIS_URL is not set" in r.getMessage() for r in caplog.records)
    assert first.config["RATELIMIT_STORAGE_URI"].startswith(security.HOST_STORAGE_SCHEME + "://")
    assert hit(first.test_client(), "GET", "/requests/check", 2) == [200, 200]
    second = host_apps()  # another worker: its own process memory, the same instance folder
    assert second.test_client().get("/requests/check").status_code == 429


def _count_in_child(uri, key, queue):
    from limits.storage import storage_from_string

    queue.put(storage_from_string(uri).incr(key, 60))


def test_the_host_counter_is_shared_across_forked_processes(tmp_path):
    from limits.storage import storage_from_string

    uri = f"{security.HOST_STORAGE_SCHEME}://{tmp_path / 'limits.sqlite'}"
    storage = storage_from_string(uri)
    assert storage.incr("login/10.0.0.1", 60) == 1
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_count_in_child, args=(uri, "login/10.0.0.1", queue))
    child.start()
    child.join(10)
    assert queue.get(timeout=5) == 2
    # A storage made before the fork (gunicorn --preload) opens its own connection in the child.
    child = context.Process(target=lambda: queue.put(storage.incr("login/10.0.0.1", 60)))
    child.start()
    child.join(10)
    assert queue.get(timeout=5) == 3
    assert storage.get("login/10.0.0.1") == 3 and storage.incr("login/10.0.0.1", 60) == 4


def test_host_counters_expire(tmp_path, monkeypatch):
    from limits.storage import storage_from_string

    storage = storage_from_string(f"{security.HOST_STORAGE_SCHEME}://{tmp_path / 'limits.sqlite'}")
    assert storage.incr("k", 60) == 1 and storage.incr("k", 60) == 2
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


# --- the API counts against the forms' limits ----------------------------------------------------------------

@pytest.fixture
def limited_api(app):
    with app.app_context():
        settings.set_value("public_api", True)
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        return forum.id


def api(client, method, **params):
    return client.post("/api/index.php", data={"method": method, "output": "json", **params})


def human(app):
    with app.test_request_context():
        return {"form_token": spam.form_token(now=time.time() - 30), spam.HONEYPOT_FIELD: ""}


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_NEW_REQUEST": "2 per minute"}])
def test_request_create_counts_against_the_request_forms_limit(app, client, limited_api):
    form = {"first_name": "Ana", "email": "ana@example.org", "note": "Help"}
    assert client.post("/requests/new", data={**form, **human(app)}).status_code == 302
    assert api(client, "request.create", tNote="Help", sEmail="ana@example.org").status_code == 200
    refused = api(client, "request.create", tNote="Help", sEmail="ana@example.org")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json(force=True)["error"][0]["id"] == 429
    assert client.post("/requests/new", data={**form, **human(app)}).status_code == 429
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 2


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_FORUM_POST": "2 per minute"}])
def test_forum_methods_count_against_the_forum_forms_limits_per_address(app, client, limited_api):
    # As on the portal, new topics and replies are counted apart (forums.forum and forums.topic).
    topic = api(client, "forums.createTopic", xForumId=limited_api, sTopic="T", sName="Zoe", tPost="First")
    assert topic.status_code == 200
    topic_id = topic.get_json(force=True)["xTopicId"]
    assert client.post(f"/forums/{limited_api}", data={"title": "T2", "body": "Form", "name": "Zoe", **human(app)}
                       ).status_code == 303
    assert api(client, "forums.createTopic", xForumId=limited_api, sTopic="T3", sName="Zoe",
               tPost="x").status_code == 429

    assert api(client, "forums.createPost", xTopicId=topic_id, sName="Zoe", tPost="Second").status_code == 200
    assert api(client, "forums.createPost", xTopicId=topic_id, sName="Zoe", tPost="Third").status_code == 200
    assert api(client, "forums.createPost", xTopicId=topic_id, sName="Zoe", tPost="Fourth").status_code == 429
    assert client.post(f"/forums/topics/{topic_id}", data={"body": "Form", "name": "Zoe", **human(app)}
                       ).status_code == 429
    other = app.test_client()  # another address still posts
    assert other.post("/api/index.php", data={"method": "forums.createPost", "xTopicId": topic_id, "sName": "Bob",
                                              "tPost": "Elsewhere"}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
                      ).status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 5


def test_the_link_count_rule_holds_api_posts_and_requests_as_spam(app, client, limited_api):
    links = " ".join(f"http://cheap{n}.example" for n in range(5))
    assert api(client, "request.create", tNote=links, sEmail="ana@example.org").status_code == 200
    topic = api(client, "forums.createTopic", xForumId=limited_api, sTopic="T", sName="Zoe", tPost="Fine")
    topic_id = topic.get_json(force=True)["xTopicId"]
    assert api(client, "forums.createPost", xTopicId=topic_id, sName="Zoe", tPost=links).status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(Request)).scalar_one().status_id == STATUS_SPAM
        held = db.session.execute(db.select(Post).where(Post.spam.is_(True))).scalar_one().body
        assert all(f"http://cheap{n}.example" in held for n in range(5))


def test_api_limits_follow_the_switch(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=False, RATELIMIT_NEW_REQUEST="1 per minute")
    with app.test_request_context():
        assert security.count_against("requests.new") is None
        assert security.count_against("requests.new") is None


# --- HEAD never writes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_a_head_request_with_a_body_changes_nothing(app, client):
    # Views that branch on "GET or else" ran their POST branch for HEAD, and Flask-WTF checks CSRF on POST,
    # PUT, PATCH and DELETE only: a HEAD carrying a form body added an update without a CSRF token.
    from portal.requests.models import Note
    from portal.requests.services import RequestInput, create_request

    with app.test_request_context():
        req = create_request(RequestInput(note="x", email="ana@example.org"), notify_customer=False)
        db.session.commit()
        key = req.access_key
    assert client.post(f"/requests/{key}", data={"update": "by POST"}).status_code == 400  # CSRF
    assert client.open(f"/requests/{key}", method="HEAD", data={"update": "by HEAD"}).status_code == 400
    assert client.head(f"/requests/{key}").status_code != 500
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Note.id))) == 1
