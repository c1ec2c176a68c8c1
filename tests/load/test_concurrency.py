"""The app under gunicorn (2 workers) takes 1,000 concurrent API writes from 16 client threads: every
acknowledged write is in the database exactly once and found by search, every unacknowledged one left
nothing. Runs on a fresh SQLite file, and on a fresh PostgreSQL database (created here, dropped after)
when PORTICO_TEST_DATABASE_URL is set. The shared test schema is never touched."""
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRES_URL, free_port, fresh_postgres_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CALLS = 1000
THREADS = 16
TOPICS = 4
START_TIMEOUT = 30
CALL_TIMEOUT = 30


def databases():
    yield pytest.param("sqlite", id="sqlite")
    if POSTGRES_URL:
        yield pytest.param("postgresql", id="postgresql")


@pytest.fixture(params=list(databases()))
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'load.db'}"
    else:
        with fresh_postgres_database("portico_load") as url:
            yield url


def server_env(tmp_path, database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-test-secret",
           "INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(tmp_path / "uploads"),
           "SEARCH_INDEX_DIR": str(tmp_path / "search-index"), "RATELIMIT_API": "100000 per minute",
           # One client address writes everything, and the API spends the forms' limits.
           "RATELIMIT_NEW_REQUEST": "100000 per minute", "RATELIMIT_FORUM_POST": "100000 per minute",
           "MAIL_SERVER": "", "LOG_LEVEL": "WARNING", "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    return env


def local_app(env: dict):
    return create_app({"TESTING": True, "SECRET_KEY": env["SECRET_KEY"], "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
                       "UPLOAD_DIR": env["UPLOAD_DIR"], "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"],
                       "RATELIMIT_ENABLED": False, "MAIL_SERVER": ""})


def prepare(env: dict) -> tuple[list[int], int]:
    """``flask db upgrade``, then a little content: a staff member, a forum with topics, the public API on."""
    result = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    from portal import settings
    from portal.accounts.services import create_staff
    from portal.forums.models import Forum
    from portal.forums.services import PostInput, create_topic

    app = local_app(env)
    with app.test_request_context():
        staff = create_staff("load@example.com", "correct horse", role="administrator")
        forum = Forum(name="Load", description="Concurrent posts")
        db.session.add(forum)
        db.session.flush()
        topics = [create_topic(forum, PostInput(body=f"Topic {n}", name="Sam", title=f"Load topic {n}"))[0]
                  for n in range(TOPICS)]
        settings.set_value("public_api", True)
        db.session.commit()
        ids, staff_id = [t.id for t in topics], staff.id
        db.session.remove()
        db.engine.dispose()
    return ids, staff_id


@contextmanager
def gunicorn(env: dict, tmp_path):
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.2)
        yield port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


def call(port: int, params: dict) -> tuple[int, dict | None]:
    body = urllib.parse.urlencode(params)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CALL_TIMEOUT)
    try:
        conn.request("POST", "/api/index.php", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        data = response.read()
    except OSError:
        return 0, None
    finally:
        conn.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, None


def plan(run: str, topics: list[int]) -> list[dict]:
    """Half request.create, half forums.createPost, interleaved; each carries a unique marker word."""
    calls = []
    for n in range(CALLS):
        marker = f"mk{run}n{n:04d}z"
        if n % 2 == 0:
            calls.append({"kind": "request", "marker": marker,
                          "params": {"method": "request.create", "output": "json", "sFirstName": "Load",
                                     "sEmail": f"load{n}@example.com", "tNote": f"Load note {marker} end"}})
        else:
            calls.append({"kind": "post", "marker": marker, "topic": topics[n % len(topics)],
                          "params": {"method": "forums.createPost", "output": "json", "sName": "Loader",
                                     "xTopicId": str(topics[n % len(topics)]), "tPost": f"Load post {marker} end"}})
    return calls


def test_concurrent_api_writes_are_each_stored_once_and_searchable(tmp_path, database_url):
    env = server_env(tmp_path, database_url)
    topics, staff_id = prepare(env)
    run = secrets.token_hex(3)
    calls = plan(run, topics)
    started = time.monotonic()
    with gunicorn(env, tmp_path) as port:
        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(pool.map(lambda c: call(port, c["params"]), calls))
    elapsed = time.monotonic() - started
    id_key = {"request": "xRequest", "post": "xPostId"}
    acked = [(c, int(body[id_key[c["kind"]]])) for c, (status, body) in zip(calls, replies, strict=False)
             if status == 200 and body and id_key[c["kind"]] in body]
    statuses = sorted({status for status, _ in replies})
    assert len(acked) >= CALLS * 0.75, f"only {len(acked)} of {CALLS} acknowledged; statuses {statuses}"
    assert all(status in (200, 429, 503) for status, _ in replies), statuses  # never a 500 or a dropped connection

    from portal.accounts.models import Staff
    from portal.forums.models import Post
    from portal.requests.models import Note
    from portal.search.query import search_forums, search_requests

    app = local_app(env)
    with app.app_context():
        notes = {}
        for request_id, body in db.session.execute(db.select(Note.request_id, Note.body).where(Note.body.like("%mk%"))):
            notes.setdefault(_marker_in(body), []).append(request_id)
        posts = {}
        for post_id, topic_id, body in db.session.execute(db.select(Post.id, Post.topic_id, Post.body)
                                                          .where(Post.body.like("%mk%"))):
            posts.setdefault(_marker_in(body), []).append((post_id, topic_id))
        acked_markers = {c["marker"] for c, _ in acked}
        for c, ident in acked:
            if c["kind"] == "request":
                assert notes.get(c["marker"]) == [ident], (c["marker"], notes.get(c["marker"]))
            else:
                assert posts.get(c["marker"]) == [(ident, c["topic"])], (c["marker"], posts.get(c["marker"]))
        for c in calls:
            if c["marker"] not in acked_markers:
                assert c["marker"] not in notes and c["marker"] not in posts, f"unacknowledged {c['marker']} was stored"
        staff = db.session.get(Staff, staff_id)
        for c, ident in acked:
            if c["kind"] == "request":
                hits = search_requests(c["marker"], staff=staff).hits
                assert [hit.id for hit in hits] == [ident], c["marker"]
            else:
                hits = search_forums(c["marker"]).hits
                assert [hit.id for hit in hits] == [c["topic"]], c["marker"]
        db.session.remove()
        db.engine.dispose()
    print(f"\n{len(acked)}/{CALLS} writes acknowledged in {elapsed:.1f}s on {make_url(database_url).get_backend_name()}"
          f" (statuses {statuses})")


def _marker_in(body: str) -> str:
    import re

    match = re.search(r"mk\w+z", body)
    return match.group(0) if match else ""
