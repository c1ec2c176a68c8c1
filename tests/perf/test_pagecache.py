"""Whole replies kept for anonymous visitors (portal.pagecache): served with one statement, never stale
after a commit in this worker or another one, never shared with a logged-in visitor, and with per-visitor
tokens filled in for each reply."""
import json
import re

import pytest
from sqlalchemy import select, text

from portal import pagecache
from portal.cache import CacheGeneration
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page
from portal.requests import services as requests
from portal.requests.models import Request
from tests.conftest import make_app, release
from tests.portal_helpers import add_login_route, count_queries, form_field

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def content(app):
    with app.app_context():
        chapter = Chapter(book=Book(name="Guide"), name="Basics")
        page = Page(chapter=chapter, name="Install the printer", body="<p>Plug it in.</p>")
        forum = Forum(name="Questions")
        topic = Topic(forum=forum, title="Paper jams", starter_name="Ann", post_count=1)
        db.session.add_all([page, topic, Post(topic=topic, name="Ann", body="<p>It jams.</p>")])
        first = requests.create_request(requests.RequestInput(note="My printer is on fire", email="a@example.com"))
        second = requests.create_request(requests.RequestInput(note="Toner everywhere", email="b@example.com"))
        db.session.commit()
        return {"page": f"/kb/pages/{page.id}-install-the-printer", "page_id": page.id,
                "topic": f"/forums/topics/{topic.id}-paper-jams", "topic_id": topic.id,
                "request": f"/requests/{first.access_key}", "key": first.access_key, "request_id": first.id,
                "other_request": f"/requests/{second.access_key}"}


@pytest.fixture
def other_worker(app, tmp_path):
    """A second app on the same database: another gunicorn worker (or host) with its own cache."""
    other = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    yield other
    release(other)


def get(client, path) -> str:
    response = client.get(path, follow_redirects=True)  # a renamed page moves to its new slug
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def without_tokens(html: str) -> str:
    return FORM_TOKEN.sub("", TOKEN.sub("", html))


@pytest.mark.parametrize("which", ["page", "topic", "request"])
def test_the_second_anonymous_reader_gets_the_stored_reply_without_rendering(app, client, content, which):
    first = get(client, content[which])
    with count_queries(app, page_cache=True) as statements:
        second = get(app.test_client(), content[which])
    assert statements == []  # the generation numbers are read on a raw connection, outside SQLAlchemy
    assert without_tokens(second) == without_tokens(first)


def test_each_reader_gets_a_csrf_token_of_their_own_that_works(app, content):
    # A cached page that proxies may share carries no visitor's token (portal.forms): each reader's comes
    # from /form-token when they start the form, and another reader's is refused.
    ann, bob = app.test_client(), app.test_client()
    ann_token = form_field(ann, get(ann, content["topic"]), "csrf_token")
    bob_token = form_field(bob, get(bob, content["topic"]), "csrf_token")  # the page from the store
    assert ann_token and bob_token and ann_token != bob_token and pagecache.CSRF_MARK not in ann_token
    # The vote's token is signed for the page: the same for both readers.
    assert TOKEN.search(get(ann, content["page"])).group(1) == TOKEN.search(get(bob, content["page"])).group(1)
    reply = {"body": "Me too", "name": "Bob"}
    refused = bob.post(content["topic"], data={**reply, "csrf_token": ann_token})
    assert refused.status_code == 400 and "send it again" in refused.get_data(as_text=True)


def test_the_forms_timestamp_is_signed_for_each_reply(app, content, monkeypatch):
    import time
    first_reader, second_reader = app.test_client(), app.test_client()
    first = form_field(first_reader, get(first_reader, content["topic"]), "form_token")
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    second = form_field(second_reader, get(second_reader, content["topic"]), "form_token")
    assert first != second and "pagecache" not in second


def test_a_voter_sees_the_thanks_and_others_still_see_the_buttons(app, client, content):
    get(client, content["page"])
    token = TOKEN.search(get(client, content["page"])).group(1)
    assert client.post(f"/kb/pages/{content['page_id']}/vote", data={"helpful": "yes", "csrf_token": token}
                       ).status_code == 303
    assert "Thank you for your feedback" in get(client, content["page"])
    assert "Was this page helpful?" in get(app.test_client(), content["page"])


def test_a_commit_in_another_worker_shows_on_the_next_request(app, client, content, other_worker):
    assert "Install the printer" in get(client, content["page"])
    with other_worker.app_context():
        db.session.get(Page, content["page_id"]).name = "Install the new printer"
        db.session.commit()
    assert "Install the new printer" in get(client, content["page"])


def test_a_page_highlighted_in_another_worker_shows_on_this_ones_home_page(app, client, content, other_worker):
    assert "Install the printer" not in get(client, "/")  # not highlighted yet
    get(client, "/")
    with other_worker.app_context():
        db.session.get(Page, content["page_id"]).highlight = True
        db.session.commit()
    assert "Install the printer" in get(client, "/")


def test_a_reply_posted_through_another_worker_shows_on_this_ones_topic_page(app, client, content, other_worker):
    from portal.forums import services as forums

    get(client, content["topic"])
    with other_worker.app_context():
        forums.create_post(db.session.get(Topic, content["topic_id"]), forums.PostInput(body="Me too!", name="Bob"))
        db.session.commit()
    assert "Me too!" in get(client, content["topic"])


def test_an_update_to_one_request_leaves_the_other_requests_replies_stored(app, client, content, other_worker):
    get(client, content["request"])
    get(client, content["other_request"])
    with other_worker.app_context():
        requests.add_customer_update(db.session.get(Request, content["request_id"]), "It is out now.")
        db.session.commit()
    assert "It is out now." in get(client, content["request"])
    with count_queries(app, page_cache=True) as statements:
        get(client, content["other_request"])
    assert statements == []


def test_a_settings_change_in_another_worker_shows_at_once(app, client, content, other_worker):
    from portal import settings

    get(client, content["page"])
    with other_worker.app_context():
        settings.set_value("portal_name", "Acme Help")
        db.session.commit()
    assert "Acme Help" in get(client, content["page"])


def test_a_rolled_back_write_raises_no_generation(app, content):
    with app.app_context():
        before = dict(db.session.execute(select(CacheGeneration.scope, CacheGeneration.value)).all())
        db.session.get(Page, content["page_id"]).name = "Never saved"
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        after = dict(db.session.execute(select(CacheGeneration.scope, CacheGeneration.value)).all())
    assert after == before and before.get("kb", 0) >= 1


def test_a_logged_in_customer_never_gets_a_stored_reply(app, content):
    from portal.accounts.models import Customer

    add_login_route(app)
    with app.app_context():
        customer_id = db.session.execute(select(Customer.id).where(Customer.email == "a@example.com")).scalar_one()
    get(app.test_client(), content["request"])  # stored for anonymous readers
    logged_in = app.test_client()
    logged_in.get(f"/_test/login/customer/{customer_id}")
    with count_queries(app, page_cache=True) as statements:
        html = get(logged_in, content["request"])
    assert len(statements) > 1 and "My requests" in html


def test_a_flashed_message_is_shown_not_swallowed_by_a_stored_reply(app, client, content):
    get(app.test_client(), content["request"])
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Thank you, your update was added")]
    assert "Thank you, your update was added" in get(client, content["request"])


@pytest.mark.parametrize("which", ["page", "topic", "request"])
def test_a_forged_host_header_is_not_stored_for_the_next_reader(app, content, which):
    """Links come from PUBLIC_URL or are relative: a reply rendered for one Host header is right for all."""
    first = app.test_client().get(content[which], headers={"Host": "evil.example"})
    assert first.status_code == 200 and b"evil.example" not in first.data
    assert "evil.example" not in get(app.test_client(), content[which])


def test_a_wrong_access_key_never_reaches_a_stored_reply(app, client, content):
    get(client, content["request"])
    wrong = content["request"][:-1] + ("a" if content["request"][-1] != "a" else "b")
    assert client.get(wrong).status_code == 404


@pytest.mark.own_database  # writes behind the app's back, on a connection of its own
def test_replies_expire_after_the_time_to_live(app, client, content, monkeypatch):
    get(client, content["page"])
    with app.app_context(), db.engine.begin() as connection:  # behind the app's back: no generation raised
        connection.execute(text("UPDATE page SET name = 'Renamed by hand' WHERE id = :id"), {"id": content["page_id"]})
    assert "Renamed by hand" not in get(client, content["page"])
    now = pagecache.clock()
    monkeypatch.setattr(pagecache, "clock", lambda: now + app.config["PAGE_CACHE_TTL"] + 1)
    assert "Renamed by hand" in get(client, content["page"])


def test_the_store_keeps_the_most_recently_used_replies():
    kept = pagecache.Store(2)
    for key in ("a", "b"):
        kept.put(key, pagecache.Entry((), 0, 200, [], key))
    kept.get("a")
    kept.put("c", pagecache.Entry((), 0, 200, [], "c"))
    assert kept.get("b") is None and kept.get("a") is not None and len(kept) == 2


def test_no_entries_means_no_cache(app, content):
    app.config["PAGE_CACHE_ENTRIES"] = 0
    get(app.test_client(), content["page"])
    with count_queries(app, page_cache=True) as statements:
        get(app.test_client(), content["page"])
    assert len(statements) > 1


class TestApi:
    @pytest.fixture(autouse=True)
    def public_api_on(self, app):
        from portal import settings

        with app.app_context():
            settings.set_value("public_api", True)
            db.session.commit()

    def call(self, client, **params):
        response = client.get("/api/index.php", query_string={"output": "json", **params})
        return response.status_code, json.loads(response.data)

    def test_book_toc_is_stored_and_fresh_after_a_page_is_renamed(self, app, client, content, other_worker):
        with app.app_context():
            book_id = db.session.get(Page, content["page_id"]).chapter.book_id
        status, first = self.call(client, method="kb.getBookTOC", xBook=book_id)
        assert status == 200 and "Install the printer" in str(first)
        self.call(client, method="kb.getBookTOC", xBook=book_id)  # (the worker's first look empties its copies)
        with count_queries(app, page_cache=True) as statements:
            assert self.call(client, method="kb.getBookTOC", xBook=book_id)[1] == first
        assert statements == []
        with other_worker.app_context():
            db.session.get(Page, content["page_id"]).name = "Unpack the printer"
            db.session.commit()
        assert "Unpack the printer" in str(self.call(client, method="kb.getBookTOC", xBook=book_id)[1])

    def test_request_get_is_kept_per_exact_key(self, app, client, content, other_worker):
        status, body = self.call(client, method="request.get", accesskey=content["key"])
        assert status == 200
        wrong = content["key"][:-1] + ("a" if content["key"][-1] != "a" else "b")
        status, body = self.call(client, method="request.get", accesskey=wrong)
        assert status == 400 and "error" in str(body)
        with other_worker.app_context():
            requests.add_customer_update(db.session.get(Request, content["request_id"]), "Smoke has cleared.")
            db.session.commit()
        assert "Smoke has cleared." in str(self.call(client, method="request.get", accesskey=content["key"])[1])

    def test_a_search_reply_follows_the_index(self, app, client, content, other_worker):
        assert "Defrost" not in str(self.call(client, method="kb.search", q="freezer")[1])
        with other_worker.app_context():
            chapter_id = db.session.get(Page, content["page_id"]).chapter_id
            db.session.add(Page(chapter_id=chapter_id, name="Defrost the freezer", body="<p>Unplug it.</p>"))
            db.session.commit()
        assert "Defrost the freezer" in str(self.call(client, method="kb.search", q="freezer")[1])

    def test_private_calls_are_never_stored(self, app, client, content):
        from portal.api import dispatch

        method = dispatch.lookup("private.request.get")
        assert method is not None and method.cache is None
