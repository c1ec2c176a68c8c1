"""One signed form token could be sent again and again, so a bot loaded a form
once and then posted with its token for as long as the token lived. A token now carries a nonce, and a used
nonce is refused for the token's lifetime (remembered in the limit storage: per host without Redis)."""
import re
import time
from contextlib import contextmanager

import pytest

from portal import create_app, spam
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.requests.models import Request
from tests.portal_helpers import form_field

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def token(app, age=30):
    with app.test_request_context():
        return spam.form_token(now=time.time() - age)


def test_a_token_works_once(ctx):
    now = time.time()
    used = spam.form_token(now - 10)
    assert spam.form_is_human(used, "", now)
    assert not spam.form_is_human(used, "", now)
    assert spam.form_is_human(spam.form_token(now - 10), "", now)  # a new one still works


def test_tokens_are_unique_even_within_one_second(ctx):
    now = time.time()
    assert len({spam.form_token(now) for _ in range(50)}) == 50


def test_a_refused_token_is_not_spent(ctx):
    # A token sent too soon is refused without being used up; the same one works once the person waited.
    now = time.time()
    early = spam.form_token(now)
    assert not spam.form_is_human(early, "", now)
    assert spam.form_is_human(early, "", now + 10)


def test_the_request_form_refuses_a_token_sent_again(app, client):
    data = {"first_name": "Ana", "email": "ana@example.org", "note": "Help", "form_token": token(app),
            spam.HONEYPOT_FIELD: ""}
    assert client.post("/requests/new", data=data).status_code == 302
    assert client.post("/requests/new", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1


def test_the_forum_form_refuses_a_token_sent_again(app, client):
    with app.app_context():
        forum = Forum(name="Help")
        topic = Topic(forum=forum, title="Question", starter_name="Ann", post_count=1)
        db.session.add_all([forum, topic, Post(topic=topic, name="Ann", body="<p>Q</p>")])
        db.session.commit()
        topic_id = topic.id
    data = {"body": "Reply", "name": "Zoe", "form_token": token(app)}
    assert client.post(f"/forums/topics/{topic_id}", data=data).status_code == 303
    assert client.post(f"/forums/topics/{topic_id}", data=data).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 2


def test_a_token_used_in_one_worker_is_refused_by_another(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    first, second = create_app(dict(config)), create_app(dict(config))
    with first.app_context():
        db.create_all()
    with first.test_request_context():
        used = spam.form_token(time.time() - 10)
        assert spam.form_is_human(used, "")
    with second.test_request_context():
        assert not spam.form_is_human(used, "")
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_ENTRIES": 100}])
def test_each_reply_from_the_page_cache_gets_a_token_of_its_own(app):
    with app.app_context():
        forum = Forum(name="Help")
        topic = Topic(forum=forum, title="Question", starter_name="Ann", post_count=1)
        db.session.add_all([forum, topic, Post(topic=topic, name="Ann", body="<p>Q</p>")])
        db.session.commit()
        url = f"/forums/topics/{topic.id}-question"
    visitors = [app.test_client() for _ in range(3)]
    tokens = [form_field(visitor, visitor.get(url).get_data(as_text=True), "form_token") for visitor in visitors]
    assert len(set(tokens)) == 3 and not any("pagecache" in t for t in tokens)
    later = time.time() + 10
    with app.test_request_context():
        assert all(spam.form_is_human(t, "", later) for t in tokens)
        assert not any(spam.form_is_human(t, "", later) for t in tokens)


@contextmanager
def workers(tmp_path, count, **config):
    """Apps as several workers or hosts make them, on one database; their connections closed after."""
    from tests.conftest import make_app

    made = [make_app(tmp_path, **config) for _ in range(count)]
    with made[0].app_context():
        db.create_all()
    try:
        yield made
    finally:
        for app in made:
            with app.app_context():
                db.engine.dispose()


def test_with_redis_every_host_refuses_a_used_token(tmp_path, redis_url):
    with workers(tmp_path, 2, REDIS_URL=redis_url) as (first, second):
        with first.test_request_context():
            used = spam.form_token(time.time() - 10)
            assert spam.form_is_human(used, "")
        with second.test_request_context():
            assert not spam.form_is_human(used, "")


def test_with_redis_down_a_token_still_works_only_once(tmp_path, monkeypatch):
    from portal import security
    from tests.conftest import free_port

    monkeypatch.setattr(security, "_once_retry_at", 0.0)
    with workers(tmp_path, 1, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as (app,):
        with app.test_request_context():
            used = spam.form_token(time.time() - 10)
            assert spam.form_is_human(used, "")  # no 500: remembered in this process meanwhile
            assert not spam.form_is_human(used, "")
