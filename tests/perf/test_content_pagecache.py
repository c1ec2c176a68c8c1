"""A random query string defeated the anonymous page cache (the key held the whole
query string), so every such request rendered the page again. A cached page now declares the query
arguments it reads; the reply is kept per their values and nothing of any other argument reaches it."""
from contextlib import contextmanager

import pytest
from flask import template_rendered

from portal import settings
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from tests.portal_helpers import count_queries


@contextmanager
def rendered_templates(app):
    """The names of the templates rendered inside the block (none: the reply came from the page cache)."""
    names = []

    def record(_sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def board(app):
    with app.app_context():
        settings.set_value("forum_page_size", 1)
        forum = Forum(name="Help")
        topics = [Topic(forum=forum, title=f"Topic {n}", starter_name="Ann", post_count=1) for n in range(3)]
        db.session.add_all(topics + [Post(topic=t, name="Ann", body="<p>Hi</p>") for t in topics])
        topic = topics[0]
        db.session.add_all([Post(topic=topic, name="Bo", body=f"<p>Reply {n}</p>") for n in range(3)])
        topic.post_count = 4
        db.session.commit()
        return {"forum": f"/forums/{forum.id}-help", "topic": f"/forums/topics/{topic.id}-topic-0"}


@pytest.mark.parametrize("which", ["forum", "topic"])
def test_a_random_query_argument_gets_the_kept_reply(app, board, which):
    first = app.test_client().get(board[which] + "?x=first-visitor-marker")
    assert first.status_code == 200 and "first-visitor-marker" not in first.get_data(as_text=True)
    for query in ("?x=another", "?x=another&y=1", "", "?page=1", "?page=01&utm_source=spam", "?page=-3", "?page=a"):
        with rendered_templates(app) as templates, count_queries(app, page_cache=True) as statements:
            again = app.test_client().get(board[which] + query)
        assert again.status_code == 200
        assert templates == [] and statements == [], query  # answered from the store
    # The argument the page reads still picks its own reply.
    second = app.test_client().get(board[which] + "?page=2&x=1").get_data(as_text=True)
    assert second != first.get_data(as_text=True) and "x=1" not in second


def test_the_search_page_is_kept_per_query_not_per_stray_argument(app):
    first = app.test_client().get("/search?q=printer&x=1")
    assert first.status_code == 200
    with rendered_templates(app) as templates:
        assert app.test_client().get("/search?q=printer&x=2&zz=3").status_code == 200
        assert app.test_client().get("/search?q=printer&area=nonsense&page=0").status_code == 200
    assert templates == []
    assert "x=1" not in first.get_data(as_text=True)
    with rendered_templates(app) as templates:
        assert app.test_client().get("/search?q=toner").status_code == 200
    assert templates  # another query is another page


def test_the_home_page_ignores_stray_arguments_and_still_follows_old_links(app):
    assert app.test_client().get("/?x=1").status_code == 200
    with rendered_templates(app) as templates:
        assert app.test_client().get("/?x=2").status_code == 200
    assert templates == []
    old_link = app.test_client().get("/?pg=kb.page&id=16")
    assert old_link.status_code == 301 and old_link.headers["Location"].endswith("/kb/pages/16")


def test_a_public_api_read_is_kept_whatever_else_the_call_carries(app):
    """The same flaw in the API: its replies were kept per every parameter sent."""
    import json

    with app.app_context():
        settings.set_value("public_api", True)
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id

    def call(**params):
        response = app.test_client().get("/api/index.php", query_string={"output": "json", **params})
        assert response.status_code == 200
        return json.loads(response.data)

    first = call(method="forums.get", xForumId=forum_id, junk="first")
    call(method="forums.get", xForumId=forum_id)  # (the worker's first look empties its settings copy)
    for junk in ("second", "third"):
        with count_queries(app, page_cache=True) as statements:
            assert call(method="forums.get", xForumId=forum_id, junk=junk, more=junk) == first
        assert statements == []
    with count_queries(app, page_cache=True) as statements:
        call(method="forums.list", junk="x")
    assert statements  # another method is another reply


def test_the_store_holds_a_bounded_number_of_characters():
    """A reply is as large as what people wrote: the store is bounded by size as well as by count."""
    from portal import pagecache

    kept = pagecache.Store(100, max_chars=1_000)

    def entry(size):
        return pagecache.Entry((), 0, 200, [], "x" * size)

    kept.put("too large", entry(251))  # over a quarter of the whole: never kept
    assert kept.get("too large") is None and kept.chars == 0
    for n in range(6):
        kept.put(n, entry(200))
    assert kept.chars <= 1_000 and len(kept) == 5 and kept.get(0) is None and kept.get(5) is not None
    kept.put(5, entry(10))  # a key stored again counts once
    assert kept.chars == 4 * 200 + 10
