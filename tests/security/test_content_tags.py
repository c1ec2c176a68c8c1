"""Tag names used only on hidden pages were public (the tag page, the tag cloud,
related tags on the search page). A tag is shown to customers only when a page or topic they may see
carries it; otherwise its page is a 404 and it is never listed."""
import pytest

from portal import settings
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, Tag
from tests.portal_helpers import add_login_route

HIDDEN_PLACES = ["hidden page", "hidden chapter", "private book", "private forum", "held topic"]


@pytest.fixture
def tags(app):
    """One tag per place a customer cannot see, each used there only; one tag on a public page, one on
    a public topic."""
    add_login_route(app)
    with app.app_context():
        settings.set_value("public_api", True)
        book, private_book = Book(name="Manual"), Book(name="Internal", private=True)
        chapter = Chapter(book=book, name="Start")
        hidden_chapter = Chapter(book=book, name="Drafts", hidden=True)
        secret_chapter = Chapter(book=private_book, name="Secrets")
        forum, private_forum = Forum(name="Help"), Forum(name="Staff room", private=True)
        made = {name: Tag(name=f"codename-{n}") for n, name in enumerate(HIDDEN_PLACES + ["public page", "public topic"])}
        db.session.add_all([
            Page(chapter=chapter, name="Visible", body="<p>x</p>", tags=[made["public page"]]),
            Page(chapter=chapter, name="Draft", body="<p>x</p>", hidden=True, tags=[made["hidden page"]]),
            Page(chapter=hidden_chapter, name="In drafts", body="<p>x</p>", tags=[made["hidden chapter"]]),
            Page(chapter=secret_chapter, name="Keys", body="<p>x</p>", tags=[made["private book"]]),
        ])
        for target, name, count in ((forum, "public topic", 1), (private_forum, "private forum", 1),
                                    (forum, "held topic", 0)):
            topic = Topic(forum=target, title=f"About {name}", starter_name="Ann", post_count=count,
                          tags=[made[name]])
            db.session.add_all([topic, Post(topic=topic, name="Ann", body="<p>x</p>", spam=count == 0)])
        db.session.commit()
        return {name: (tag.id, tag.name, tag.slug) for name, tag in made.items()}


@pytest.mark.parametrize("place", HIDDEN_PLACES)
def test_a_tag_used_only_where_customers_cannot_see_is_never_shown(app, client, tags, place):
    ident, name, slug = tags[place]
    assert client.get(f"/tags/{ident}").status_code == 404
    assert client.get(f"/tags/{ident}-{slug}").status_code == 404
    assert name not in client.get("/").get_data(as_text=True)  # the tag cloud
    assert f"/tags/{ident}" not in client.get(f"/search?q={name}").get_data(as_text=True)  # related tags
    assert name not in client.get(f"/index.php?pg=tag.search&id={ident}", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("place", ["public page", "public topic"])
def test_a_tag_on_something_public_is_shown(client, tags, place):
    ident, name, slug = tags[place]
    response = client.get(f"/tags/{ident}-{slug}")
    assert response.status_code == 200 and name in response.get_data(as_text=True)
    assert f"/tags/{ident}-{slug}" in client.get(f"/search?q={name}").get_data(as_text=True)


def test_staff_may_still_open_any_tag(app, tags, make_staff):
    staff = app.test_client()
    staff.get(f"/_test/login/staff/{make_staff(role='administrator')}")
    ident, _, slug = tags["hidden page"]
    assert staff.get(f"/tags/{ident}-{slug}").status_code == 200
