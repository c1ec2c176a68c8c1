"""The home page's cached lists: served without querying, fresh again after a committed write (in the
process that wrote at once, in the others after the time to live). These are what a logged-in visitor's
home page and a page-cache miss use: the whole-reply cache (tests/perf/test_pagecache.py) is off here."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from portal import cache
from portal.dates import utcnow
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, Tag
from tests.portal_helpers import count_queries


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_ENTRIES": 0}


@pytest.fixture
def content(app):
    with app.app_context():
        chapter = Chapter(book=Book(name="Guide"), name="Basics")
        forum = Forum(name="Questions")
        topic = Topic(forum=forum, title="First topic", starter_name="Ann", post_count=1,
                      last_post_at=utcnow() - timedelta(days=1))
        page = Page(chapter=chapter, name="Install", body="<p>a</p>", highlight=True, helpful=1,
                    tags=[Tag(name="setup")])
        db.session.add_all([chapter, forum, topic, page, Post(topic=topic, name="Ann", body="<p>x</p>")])
        db.session.commit()
        return {"chapter": chapter.id, "page": page.id, "topic": topic.id, "forum": forum.id}


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_second_home_page_reads_the_lists_from_the_cache(app, client, content):
    first = home(client)
    with count_queries(app) as statements:
        second = home(client)
    assert second == first
    assert not [s for s in statements if "FROM page" in s or "FROM topic" in s or "FROM tag" in s], statements


def test_a_committed_page_shows_on_the_next_home_page(app, client, content):
    assert "Install" in home(client)
    with app.app_context():
        db.session.add(Page(chapter_id=content["chapter"], name="Upgrade the app", body="<p>b</p>",
                            highlight=True, tags=[Tag(name="upgrade")]))
        db.session.commit()
    page = home(client)
    assert "Upgrade the app" in page and "upgrade" in page


def test_a_vote_counted_with_an_update_statement_shows_at_once(app, client, content):
    assert "1 found this helpful" in home(client)
    assert client.post(f"/kb/pages/{content['page']}/vote", data={"helpful": "yes"}).status_code == 303
    assert "2 found this helpful" in home(client)


def test_a_reply_counted_with_an_update_statement_shows_at_once(app, client, content):
    from portal.forums import services as forums

    assert "1 post ·" in home(client)
    with app.app_context():
        topic = db.session.get(Topic, content["topic"])
        forums.create_post(topic, forums.PostInput(body="Me too", name="Bob"))
        db.session.commit()
    assert "2 posts ·" in home(client)


def test_another_workers_change_shows_once_the_entry_expires(app, client, content, monkeypatch):
    """A write made by another process does not empty this one's cache: it shows after HOME_TTL seconds."""
    home(client)
    with app.app_context(), db.engine.begin() as connection:  # not through the session: like another worker
        connection.execute(text("UPDATE page SET name = 'Renamed elsewhere' WHERE id = :id"), {"id": content["page"]})
    assert "Renamed elsewhere" not in home(client)
    now = cache.clock()
    monkeypatch.setattr(cache, "clock", lambda: now + cache.HOME_TTL + 1)
    assert "Renamed elsewhere" in home(client)


def test_each_app_has_its_own_cache(app, content, tmp_path):
    from tests.conftest import make_app

    with app.app_context():
        cache.cached("key", lambda: "first app")
        other = make_app(tmp_path / "other")
        with other.app_context():
            assert cache.cached("key", lambda: "second app") == "second app"
        assert cache.cached("key", lambda: "recomputed") == "first app"


def test_a_value_computed_while_a_write_commits_is_not_kept():
    store = cache.ContentCache()

    def produce():
        store.invalidate()  # a commit lands while the lists are being read
        return "maybe stale"

    assert store.get("k", produce, ttl=60) == "maybe stale"
    assert store.get("k", lambda: "fresh", ttl=60) == "fresh"
    assert store.get("k", lambda: "not asked", ttl=60) == "fresh"


def test_remembered_bodies_are_shown_exactly_as_cleaning_them_again_would():
    from portal import templating
    from portal.text import note_html, page_html

    unsafe = '<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:x">link</a>'
    for _ in range(2):  # the second call is answered from memory
        assert templating.cached_page_html(unsafe) == page_html(unsafe)
        assert templating.cached_note_html(unsafe, True) == note_html(unsafe, True)
        assert templating.cached_note_html(unsafe, False) == note_html(unsafe, False)
    assert "<script>" not in templating.cached_page_html(unsafe)
    assert templating.cached_note_html(unsafe, False) != templating.cached_note_html(unsafe, True)
    # Long bodies are remembered too (they are the ones that cost most to render);
    # what is kept is bounded by its total size.
    long_body = "<p>" + "word " * 100_000 + "</p>"
    assert templating.cached_page_html(long_body) == page_html(long_body)
    assert templating.rendered_bodies.get("page", long_body, lambda: "rendered again") == page_html(long_body)
    assert templating.rendered_bodies.size <= templating.MEMO_BUDGET


def test_a_setting_changed_by_this_process_applies_at_once_and_by_another_within_its_ttl(app, client, monkeypatch):
    from portal import settings

    assert "Portico Help Desk" in home(client)
    with app.app_context():
        settings.set_value("portal_name", "Acme Support")
        assert settings.get("portal_name") == "Acme Support"  # read back before the commit, uncached
        db.session.commit()
    assert "Acme Support" in home(client)
    with app.app_context(), db.engine.begin() as connection:  # another worker, or `flask settings set`
        connection.execute(text('UPDATE setting SET value = :value WHERE "key" = :key'),
                           {"value": '"Globex Help"', "key": "portal_name"})
    assert "Acme Support" in home(client)
    now = cache.clock()
    monkeypatch.setattr(cache, "clock", lambda: now + settings.SETTINGS_TTL + 1)
    assert "Globex Help" in home(client)


def test_uncommitted_writes_are_never_shared_through_the_cache(app, client, content):
    home(client)
    with app.app_context():
        db.session.add(Page(chapter_id=content["chapter"], name="Uncommitted draft", body="x", highlight=True))
        db.session.flush()
        from portal.views import home_lists
        assert "Uncommitted draft" in [p.name for p in cache.cached("home", home_lists)["highlighted"]]  # the writer sees it
        db.session.rollback()
    assert "Uncommitted draft" not in home(client)


def test_a_write_elsewhere_keeps_the_lists_and_settings_cached(app, client, content):
    from portal.requests.models import Request

    home(client)
    with app.app_context():
        db.session.add(Request(password="x" * 20, first_name="Pat", email="pat@example.com"))
        db.session.commit()
    with count_queries(app) as statements:
        home(client)
    assert statements == []
