"""Query arguments never reach ``url_for`` as its own keywords or the route's arguments.

A slug redirect and the pagination links keep the visitor's query arguments. Passed whole into ``url_for``,
``?_external=1`` made every link absolute on the request's Host (a forged Host then sat in a cached page
served to everyone), and ``?slug=``, ``?book_id=``, ``?topic_id=``, ``?endpoint=`` were duplicate keywords:
a 500."""
import pytest

from portal import settings
from portal.extensions import db
from tests.api.conftest import Builder

EVIL = "evil.test"
# url_for's own keywords, and the arguments of the routes under test.
BAD_ARGUMENTS = [{"_external": "1"}, {"_external": "1", "_scheme": "javascript"}, {"_anchor": "x"},
                 {"_method": "POST"}, {"endpoint": "site.home"}, {"slug": "other"}]
OWN_ARGUMENT = {"book": "book_id", "chapter": "chapter_id", "page": "page_id", "tag": "tag_id", "forum": "forum_id",
                "topic": "topic_id"}


@pytest.fixture
def things(app):
    from portal.kb.models import Tag

    build = Builder(app)
    book = build.book("Product Manual")
    chapter = build.chapter(book, "Getting Started")
    page = build.page(chapter, "Clean Upgrade", tags=("upgrade",))
    forum = build.forum("Product Beta")
    topic = build.topic(forum, "How do I install")
    with app.app_context():
        tag = db.session.execute(db.select(Tag.id)).scalar_one()
    return {"book": f"/kb/books/{book}", "chapter": f"/kb/chapters/{chapter}", "page": f"/kb/pages/{page}",
            "tag": f"/tags/{tag}", "forum": f"/forums/{forum}", "topic": f"/forums/topics/{topic}"}


@pytest.mark.parametrize("what", ["book", "chapter", "page", "tag", "forum", "topic"])
@pytest.mark.parametrize("bad", BAD_ARGUMENTS + [{"own": "9"}], ids=lambda bad: "&".join(bad))
def test_slug_redirect_keeps_plain_arguments_only(client, things, what, bad):
    bad = {OWN_ARGUMENT[what] if name == "own" else name: value for name, value in bad.items()}
    response = client.get(things[what] + "-old-slug", query_string={**bad, "ref": "mail"},
                          headers={"Host": EVIL})
    assert response.status_code == 301, response.data[:300]
    location = response.headers["Location"]
    assert location.startswith(things[what] + "-") and EVIL not in location and "javascript" not in location
    assert location.endswith("?ref=mail"), location


def test_other_arguments_stay(client, things):
    location = client.get(things["topic"] + "-old", query_string={"book_id": "9", "q": "x"}).headers["Location"]
    assert location.endswith("?book_id=9&q=x")


@pytest.fixture
def two_pages(app, things):
    """A topic and a forum with two pages each: the pages carry page_url links."""
    from portal.forums.models import Post, Topic

    with app.app_context():
        settings.set_value("forum_page_size", 1)
        topic = db.session.get(Topic, int(things["topic"].rsplit("/", 1)[1]))
        db.session.add(Post(topic=topic, name="Ann", body="<p>Second post</p>"))
        topic.post_count = 2
        db.session.add(Topic(forum_id=topic.forum_id, title="Another one", starter_name="Bo", post_count=1,
                             posted_at=topic.posted_at, last_post_at=topic.last_post_at))
        db.session.commit()
        return {"topic": f"{things['topic']}-{topic.slug}", "forum": f"{things['forum']}-{topic.forum.slug}"}


@pytest.mark.parametrize("what", ["topic", "forum"])
@pytest.mark.parametrize("bad", BAD_ARGUMENTS + [{"own": "9"}], ids=lambda bad: "&".join(bad))
def test_page_links_keep_plain_arguments_only(client, two_pages, what, bad):
    bad = {OWN_ARGUMENT[what] if name == "own" else name: value for name, value in bad.items()}
    response = client.get(two_pages[what], query_string={**bad, "ref": "mail"}, headers={"Host": EVIL})
    assert response.status_code == 200, response.data[:300]
    html = response.get_data(as_text=True)
    assert EVIL not in html and "javascript:" not in html
    # The page cache keeps one reply for every visitor whatever stray argument they add (keying
    # on the whole query string let ?x=<random> render every time), so a page renders without
    # the arguments it does not read and its links carry only those it does.
    assert f'href="{two_pages[what]}?page=2"' in html and "ref=mail" not in html


def test_page_links_of_a_logged_in_visitor_keep_plain_arguments(app, client, two_pages, make_staff):
    """Replies to logged-in visitors are never kept (portal.pagecache): their links keep plain arguments."""
    from tests.portal_helpers import add_login_route

    add_login_route(app)
    client.get(f"/_test/login/staff/{make_staff()}")
    for what in ("topic", "forum"):
        html = client.get(two_pages[what], query_string={"_external": "1", "ref": "mail"}).get_data(as_text=True)
        assert f'href="{two_pages[what]}?ref=mail&amp;page=2"' in html  # not cached: plain arguments stay


def test_a_forged_host_does_not_reach_the_next_reader(client, two_pages):
    client.get(two_pages["topic"], query_string={"_external": "1"}, headers={"Host": EVIL})
    html = client.get(two_pages["topic"], query_string={"_external": "1"}).get_data(as_text=True)
    assert EVIL not in html
