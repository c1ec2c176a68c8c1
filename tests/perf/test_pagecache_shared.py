"""The page cache shared through Redis (portal.pagecache_shared): a reply rendered by one worker answers
another's readers, a commit is visible on the next read in every worker, nothing kept for one visitor
reaches another, and a Redis that is away never costs a reply."""
import re
import socket
import uuid

import pytest

from portal import pagecache_shared
from portal.accounts.models import Customer, hash_password
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page
from portal.requests import services as requests
from tests.conftest import make_app, release
from tests.portal_helpers import count_queries, form_field

REDIS_URL = "redis://127.0.0.1:6379/11"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.2).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture
def prefix():
    return f"portico-test:{uuid.uuid4().hex}:"


@pytest.fixture
def app_config(prefix):
    return {"WTF_CSRF_ENABLED": True, "REDIS_URL": REDIS_URL, "PAGE_CACHE_REDIS_PREFIX": prefix}


@pytest.fixture
def other_worker(app, tmp_path, prefix):
    """A second app on the same database and the same Redis: another gunicorn worker or host."""
    other = make_app(tmp_path, WTF_CSRF_ENABLED=True, REDIS_URL=REDIS_URL, PAGE_CACHE_REDIS_PREFIX=prefix)
    yield other
    release(other)


@pytest.fixture
def content(app):
    with app.app_context():
        page = Page(chapter=Chapter(book=Book(name="Guide"), name="Basics"), name="Install the printer",
                    body="<p>Plug it in.</p>")
        topic = Topic(forum=Forum(name="Questions"), title="Paper jams", starter_name="Ann", post_count=1)
        db.session.add_all([page, topic, Post(topic=topic, name="Ann", body="<p>It jams.</p>")])
        first = requests.create_request(requests.RequestInput(note="My printer is on fire", email="a@example.com"))
        db.session.commit()
        return {"page": f"/kb/pages/{page.id}-install-the-printer", "page_id": page.id,
                "topic": f"/forums/topics/{topic.id}-paper-jams",
                "request": f"/requests/{first.access_key}"}


def keys(app, prefix) -> list[bytes]:
    with app.app_context():
        return list(pagecache_shared.shared_store().client.scan_iter(f"{prefix}*"))


def get(client, path) -> str:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("which", ["page", "topic", "request"])
def test_a_reply_rendered_by_one_worker_answers_the_other_without_rendering(app, content, other_worker, which):
    first = get(app.test_client(), content[which])
    with count_queries(other_worker, page_cache=True) as statements:
        second = get(other_worker.test_client(), content[which])
    # No rendering: the generation numbers are read outside SQLAlchemy; what is left is this new worker's
    # first read of the settings (the login gate) in the test's transaction.
    assert [s for s in statements if "SAVEPOINT" not in s and "FROM setting" not in s] == [], statements
    assert TOKEN.sub("", second) == TOKEN.sub("", first)


def test_a_commit_in_one_worker_is_visible_on_the_next_read_in_the_other(app, content, other_worker):
    reader = other_worker.test_client()
    assert "Install the printer" in get(app.test_client(), content["page"])
    assert "Install the printer" in get(reader, content["page"])
    with app.app_context():
        db.session.get(Page, content["page_id"]).name = "Install the new printer"
        db.session.commit()
    assert "Install the new printer" in get(reader, content["page"])


def test_each_visitor_gets_their_own_csrf_token_from_the_shared_reply(app, content, other_worker):
    # Pages carry no visitor's token (portal.forms): each reader's comes from /form-token (tests/perf/
    # test_pagecache.py); here the second reader's page comes from Redis, rendered by the other worker.
    ann, bob = app.test_client(), other_worker.test_client()
    ann_page, bob_page = get(ann, content["topic"]), get(bob, content["topic"])
    assert "pagecache-" not in bob_page  # no marker left unfilled
    ann_token, bob_token = form_field(ann, ann_page, "csrf_token"), form_field(bob, bob_page, "csrf_token")
    assert ann_token and bob_token and ann_token != bob_token
    refused = bob.post(content["topic"], data={"body": "Me too", "name": "Bob", "csrf_token": ann_token})
    assert refused.status_code == 400


def test_a_logged_in_visitors_page_is_never_shared(app, content, other_worker, prefix):
    with app.app_context():
        db.session.add(Customer(email="ann@example.com", password_hash=hash_password("correct horse"),
                                email_confirmed_at=db.func.now()))
        db.session.commit()
    ann = app.test_client()
    ann.get("/account/login")
    token = TOKEN.search(get(ann, "/account/login")).group(1)
    assert ann.post("/account/login", data={"email": "ann@example.com", "password": "correct horse",
                                            "csrf_token": token}).status_code in (302, 303)
    get(ann, content["page"])
    get(ann, content["page"])
    assert keys(app, prefix) == []  # the logged-in reader's pages were never stored
    assert "ann@example.com" not in get(other_worker.test_client(), content["page"])


def test_large_replies_are_compressed_and_read_back(app, prefix):
    with app.app_context():
        shared = pagecache_shared.shared_store()
        body = "<p>" + "printer " * 20_000 + "</p>"
        shared.put(("kb.page", "/x"), (1, 2), 200, [("Content-Type", "text/html")], body)
        raw = shared.client.get(shared.redis_key(("kb.page", "/x"), (1, 2)))
        assert raw[:1] == b"z" and len(raw) < len(body) // 10
        found = shared.get(("kb.page", "/x"), (1, 2))
        assert found["body"] == body and found["headers"] == [["Content-Type", "text/html"]]
        assert shared.get(("kb.page", "/x"), (1, 3)) is None  # other numbers: another key


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_away_never_costs_a_reply(tmp_path, app, content):
    down = make_app(tmp_path, REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0", RATELIMIT_STORAGE_URI="memory://")
    try:
        client = down.test_client()
        first = get(client, content["page"])
        with count_queries(down, page_cache=True) as statements:
            second = get(client, content["page"])  # from the worker's own store
        assert "Install the printer" in first and second == first and statements == []
    finally:
        release(down)


def test_the_shared_tier_can_be_switched_off(tmp_path, app, prefix):
    alone = make_app(tmp_path, REDIS_URL=REDIS_URL, PAGE_CACHE_REDIS_PREFIX=prefix, PAGE_CACHE_SHARED=False)
    try:
        with alone.app_context():
            assert pagecache_shared.shared_store() is None
    finally:
        release(alone)
