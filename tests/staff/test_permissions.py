"""Permissions that mean something, one test per role and rule: a forum's moderators (and administrators)
moderate it; a book's editors (and administrators) edit it; agents see only the categories they are
allowed. Each rule holds on the pages and in the services (the APIs: tests/api/test_workspace_methods.py,
tests/rest/test_deskpro_articles.py)."""
import pytest

from portal.accounts.models import Staff
from portal.errors import Forbidden
from portal.extensions import db
from portal.forums import moderation
from portal.forums.models import Forum, Post, Topic
from portal.kb import editing
from portal.kb.models import Book, Chapter, Page
from portal.requests.models import Request
from tests import factories

from .conftest import load


@pytest.fixture
def other_moderator(make_staff):
    return make_staff("mod2@example.com", role="moderator", first_name="Other")


@pytest.fixture
def second_forum(app, people, other_moderator):
    """A forum moderated by the other moderator only, with one topic of two posts: (forum, topic, posts)."""
    from portal.forums.services import PostInput

    with app.app_context():
        forum = factories.forum("Beta")
        forum.moderators = [db.session.get(Staff, other_moderator)]
        topic, posts = factories.topic_with_replies(forum, PostInput(title="Beta bug", body="It crashes", name="Ann"),
                                                    PostInput(body="Me too", name="Bob"))
        db.session.commit()
        return forum.id, topic.id, [p.id for p in posts]


@pytest.mark.parametrize("role,allowed", [("administrator", True), ("moderator", False), ("agent", False)])
def test_only_a_forums_moderators_and_administrators_moderate_it(ctx, people, second_forum, role, allowed):
    _, topic_id, (_, reply_id) = second_forum
    staff = db.session.get(Staff, people[role])
    topic = db.session.get(Topic, topic_id)
    if allowed:
        moderation.set_topic_state(staff, topic, closed=True)
        moderation.delete_post(staff, db.session.get(Post, reply_id))
        assert topic.closed and db.session.get(Post, reply_id) is None
    else:
        with pytest.raises(Forbidden):
            moderation.set_topic_state(staff, topic, closed=True)
        with pytest.raises(Forbidden):
            moderation.edit_post(staff, db.session.get(Post, reply_id), "changed")


def test_the_listed_moderator_moderates_and_sees_only_their_held_posts(ctx, people, second_forum, other_moderator,
                                                                      forum_topic):
    from portal.forums.services import PostInput, create_post

    from .conftest import SPAM_BODY

    _, topic_id, _ = second_forum
    mine = db.session.get(Staff, other_moderator)
    moderation.set_topic_state(mine, db.session.get(Topic, topic_id), sticky=True)
    general_topic = db.session.get(Topic, forum_topic[1])
    held_elsewhere = create_post(general_topic, PostInput(body=SPAM_BODY, name="Spammer"))
    held_here = create_post(db.session.get(Topic, topic_id), PostInput(body=SPAM_BODY, name="Spammer"))
    assert [p.id for p in moderation.held_posts(mine)] == [held_here.id]
    assert moderation.approve_posts(mine, [held_elsewhere.id, held_here.id]) == 1  # not the other forum's
    assert held_elsewhere.spam and not held_here.spam
    with pytest.raises(Forbidden):  # moving a topic into a forum one does not moderate
        moderation.move_topic(mine, db.session.get(Topic, topic_id), general_topic.forum)


def test_forum_pages_refuse_a_moderator_of_another_forum(app, login, second_forum):
    _, topic_id, (_, reply_id) = second_forum
    client = login("moderator")  # moderates "General" (conftest), not "Beta"
    assert client.post(f"/staff/forums/topics/{topic_id}/state", data={"closed": "1"}).status_code == 403
    assert client.post(f"/staff/forums/posts/{reply_id}/delete", data={"confirm": "1"}).status_code == 403
    with app.app_context():
        assert not load(Topic, topic_id).closed and load(Post, reply_id) is not None
    assert login("administrator").post(f"/staff/forums/topics/{topic_id}/state",
                                       data={"closed": "1"}).status_code == 302


def test_a_moderator_may_not_change_a_forums_moderators(ctx, people, forum_topic):
    forum = db.session.get(Forum, forum_topic[0])
    staff = db.session.get(Staff, people["moderator"])
    moderation.save_forum(staff, moderation.ForumInput(name="General talk", moderator_ids=[staff.id]), forum)
    assert forum.name == "General talk"
    with pytest.raises(Forbidden):
        moderation.save_forum(staff, moderation.ForumInput(name="General", moderator_ids=[]), forum)


@pytest.fixture
def books(app, people):
    """Two books: "Agent's" edited by the agent, "Locked" with no editors: {name: (book, chapter, page)}."""
    with app.app_context():
        out = {}
        for name, editors in (("Agent's", [people["agent"]]), ("Locked", [])):
            book = factories.book(name)
            book.editors = [db.session.get(Staff, i) for i in editors]
            chapter = factories.chapter(book, "Basics")
            page = factories.page(chapter, "Start")
            out[name] = (book.id, chapter.id, page.id)
        db.session.commit()
        return out


@pytest.mark.parametrize("role,book,allowed", [("agent", "Agent's", True), ("agent", "Locked", False),
                                               ("moderator", "Agent's", False), ("administrator", "Locked", True)])
def test_only_a_books_editors_and_administrators_edit_it(ctx, people, books, role, book, allowed):
    _, chapter_id, page_id = books[book]
    staff = db.session.get(Staff, people[role])
    page = db.session.get(Page, page_id)
    attempt = lambda: editing.save_page(staff, page.chapter, editing.PageInput(name="Begin", body="x"), page)  # noqa
    if allowed:
        assert attempt().name == "Begin"
    else:
        with pytest.raises(Forbidden):
            attempt()
        with pytest.raises(Forbidden):
            editing.save_chapter(staff, db.session.get(Chapter, chapter_id).book, name="More")


def test_an_editor_cannot_move_a_page_into_a_book_they_do_not_edit(ctx, people, books):
    agent = db.session.get(Staff, people["agent"])
    page = db.session.get(Page, books["Agent's"][2])
    with pytest.raises(Forbidden):
        editing.save_page(agent, page.chapter, editing.PageInput(name="Start", body="x",
                                                                 chapter_id=books["Locked"][1]), page)


def test_book_pages_and_editor_choice(app, login, books, people):
    locked_id, _, locked_page = books["Locked"]
    agent = login("agent")
    assert agent.post(f"/staff/kb/pages/{locked_page}", data={"name": "Hacked", "body": "x"}).status_code == 403
    assert agent.post(f"/staff/kb/books/{locked_id}/editors",
                      data={"editors": [str(people["agent"])]}).status_code == 403
    admin = login("administrator")
    admin.post(f"/staff/kb/books/{locked_id}/editors", data={"editors": [str(people["agent"])]})
    with app.app_context():
        assert [p.id for p in load(Book, locked_id).editors] == [people["agent"]]
    assert b"Save editors" in admin.get(f"/staff/kb/books/{locked_id}").data
    agent = login("agent")
    assert agent.post(f"/staff/kb/pages/{locked_page}", data={"name": "Now mine", "body": "x"}).status_code == 302


@pytest.mark.parametrize("role,sees_sales", [("agent", False), ("administrator", True)])
def test_agents_see_only_their_categories(app, login, people, make_request, role, sees_sales):
    with app.app_context():
        billing, sales = factories.category("Billing"), factories.category("Sales")
        db.session.commit()
        ids = billing.id, sales.id
    admin = login("administrator")
    for person in ("agent", "administrator"):
        admin.post(f"/staff/admin/staff/{people[person]}/categories", data={"categories": [str(ids[0])]})
    assert b'value="%d" checked' % ids[0] in admin.get(f"/staff/admin/staff/{people['agent']}/categories").data
    sales_request = make_request(title="Buy more", category_id=ids[1])
    client = login(role)
    assert (client.get(f"/staff/requests/{sales_request}").status_code == 200) is sees_sales
    assert (b"Buy more" in client.get("/staff/requests").data) is sees_sales
    with app.app_context():
        assert load(Request, sales_request) is not None
