"""Forum moderation: services keep Topic.post_count exact, and the pages and their permissions."""
import logging
from datetime import timedelta

import pytest

from portal.accounts.models import Staff
from portal.errors import Conflict, Forbidden
from portal.extensions import db
from portal.forums import moderation
from portal.forums.models import Forum, KnownUser, Post, Topic
from portal.forums.services import PostInput, create_post, create_topic
from portal.requests.models import VIA_FORUM, Request

from .conftest import SPAM_BODY, load


def _moderator(people):
    return db.session.get(Staff, people["moderator"])


def test_deleting_a_reply_keeps_the_count_and_last_post_time(ctx, people, forum_topic):
    _, topic_id, (first_id, second_id) = forum_topic
    topic = db.session.get(Topic, topic_id)
    first = db.session.get(Post, first_id)
    first.posted_at -= timedelta(hours=2)
    db.session.flush()
    moderation.delete_post(_moderator(people), db.session.get(Post, second_id))
    assert topic.post_count == 1 and topic.last_post_at == first.posted_at


def test_the_only_post_cannot_be_deleted_alone(ctx, people, forum_topic):
    _, topic_id, (first_id, second_id) = forum_topic
    moderation.delete_post(_moderator(people), db.session.get(Post, second_id))
    with pytest.raises(Conflict):
        moderation.delete_post(_moderator(people), db.session.get(Post, first_id))
    moderation.delete_topic(_moderator(people), db.session.get(Topic, topic_id))
    assert db.session.get(Post, first_id) is None


def test_approving_held_posts_counts_them(ctx, people, forum_topic):
    _, topic_id, _ = forum_topic
    topic = db.session.get(Topic, topic_id)
    held = create_post(topic, PostInput(body=SPAM_BODY, name="Spammer"))
    assert held.spam and topic.post_count == 2
    assert moderation.approve_posts(_moderator(people), [held.id]) == 1
    assert topic.post_count == 3 and topic.last_post_at == held.posted_at and not held.spam
    assert moderation.approve_posts(_moderator(people), [held.id]) == 0  # no longer held: not counted twice
    assert topic.post_count == 3


def test_a_held_first_post_makes_its_topic_appear_when_approved(ctx, people, forum_topic):
    forum_id, _, _ = forum_topic
    topic, post = create_topic(db.session.get(Forum, forum_id), PostInput(title="Deals", body=SPAM_BODY, name="X"))
    assert topic.post_count == 0
    moderation.approve_posts(_moderator(people), [post.id])
    assert topic.post_count == 1


def test_deleting_held_posts_in_a_batch_removes_empty_topics(ctx, people, forum_topic):
    forum_id, topic_id, _ = forum_topic
    empty, lone = create_topic(db.session.get(Forum, forum_id), PostInput(title="Deals", body=SPAM_BODY, name="X"))
    extra = create_post(db.session.get(Topic, topic_id), PostInput(body=SPAM_BODY, name="Y"))
    empty_id = empty.id
    assert moderation.delete_held(_moderator(people), [lone.id, extra.id]) == 2
    assert db.session.get(Topic, empty_id) is None
    assert db.session.get(Topic, topic_id).post_count == 2


def test_topic_states_and_moving(ctx, people, forum_topic, caplog):
    _, topic_id, _ = forum_topic
    other = Forum(name="Archive", private=True, moderators=[_moderator(people)])
    db.session.add(other)
    topic = db.session.get(Topic, topic_id)
    with caplog.at_level(logging.INFO, logger="portal.forums.moderation"):
        moderation.set_topic_state(_moderator(people), topic, closed=True, sticky=True)
        moderation.move_topic(_moderator(people), topic, other)
    assert topic.closed and topic.sticky and topic.forum_id == other.id
    assert f"staff={people['moderator']}" in caplog.text and "moved topic" in caplog.text


def test_moderation_needs_the_forums_right(ctx, people, forum_topic):
    _, topic_id, (first_id, _) = forum_topic
    agent = db.session.get(Staff, people["agent"])
    with pytest.raises(Forbidden):
        moderation.delete_post(agent, db.session.get(Post, first_id))
    with pytest.raises(Forbidden):
        moderation.set_topic_state(agent, db.session.get(Topic, topic_id), closed=True)


def test_post_to_request(ctx, people, forum_topic):
    _, _, (first_id, _) = forum_topic
    req = moderation.post_to_request(_moderator(people), db.session.get(Post, first_id))
    assert req.opened_via == VIA_FORUM and req.email == "ann@example.com" and req.title == "Hello"
    assert req.opened_by_id == people["moderator"]
    assert any("forum post" in note.log for note in req.notes)
    assert "First post" in req.notes[0].body and req.notes[0].is_public


def test_topic_page_shows_known_user_labels(app, login, forum_topic):
    _, topic_id, _ = forum_topic
    client = login("moderator")
    client.post("/staff/forums/known", data={"name": "Ann", "ip": "192.0.2.1", "os": "Linux",
                                             "label": "Expert User"})
    with app.app_context():
        assert db.session.execute(db.select(KnownUser.label)).scalar_one() == "Expert User"
    page = client.get(f"/staff/forums/topics/{topic_id}").data.decode()
    assert page.count("Expert User") == 1  # beside Ann's post only, not Bob's


def test_post_views_edit_delete_and_spam(app, login, forum_topic):
    _, topic_id, (first_id, second_id) = forum_topic
    client = login("moderator")
    client.post(f"/staff/forums/posts/{first_id}", data={"body": "<p>Edited</p><script>x</script>"})
    with app.app_context():
        assert load(Post, first_id).body == "<p>Edited</p>x"  # bleach keeps a dropped script's text
    assert b'name="confirm"' in client.post(f"/staff/forums/posts/{second_id}/delete", data={"as_spam": "1"}).data
    client.post(f"/staff/forums/posts/{second_id}/delete", data={"as_spam": "1", "confirm": "1"})
    refused = client.post(f"/staff/forums/posts/{first_id}/delete", data={"confirm": "1"}, follow_redirects=True)
    assert b"delete the topic instead" in refused.data
    with app.app_context():
        assert load(Post, second_id) is None and load(Topic, topic_id).post_count == 1


def test_spam_queue_view(app, login, forum_topic):
    _, topic_id, _ = forum_topic
    with app.app_context():
        topic = db.session.get(Topic, topic_id)
        keep = create_post(topic, PostInput(body=SPAM_BODY, name="Real person"))
        junk = create_post(topic, PostInput(body=SPAM_BODY, name="Bot"))
        db.session.commit()
        keep_id, junk_id = keep.id, junk.id
    client = login("moderator")
    queue = client.get("/staff/forums/spam").data
    assert b"Real person" in queue and b"Bot" in queue
    client.post("/staff/forums/spam", data={"posts": [str(keep_id)], "action": "approve"})
    asked = client.post("/staff/forums/spam", data={"posts": [str(junk_id)], "action": "delete"})
    assert b'name="confirm"' in asked.data and f'value="{junk_id}"'.encode() in asked.data
    client.post("/staff/forums/spam", data={"posts": [str(junk_id)], "action": "delete", "confirm": "1"})
    with app.app_context():
        assert load(Post, junk_id) is None and load(Post, keep_id).spam is False
        assert load(Topic, topic_id).post_count == 3
    assert b"No posts are held" in client.get("/staff/forums/spam").data


def test_forum_settings_and_moderators(app, login, people):
    refused = login("moderator").post("/staff/forums/new", data={"name": "Mine", "position": "1"})
    assert refused.status_code == 403  # only administrators create forums and choose moderators
    client = login("administrator")
    client.post("/staff/forums/new", data={"name": "Beta testers", "private": "1", "closed": "1", "position": "3",
                                           "moderators": [str(people["moderator"])]})
    with app.app_context():
        forum = db.session.execute(db.select(Forum).where(Forum.name == "Beta testers")).scalar_one()
        assert (forum.private, forum.closed, forum.position) == (True, True, 3)
        assert [m.id for m in forum.moderators] == [people["moderator"]]


def test_turning_a_post_into_a_request_from_the_page(app, login, forum_topic):
    _, _, (first_id, _) = forum_topic
    response = login("administrator").post(f"/staff/forums/posts/{first_id}/request")
    with app.app_context():
        req = db.session.execute(db.select(Request)).scalar_one()
        assert response.location == f"/staff/requests/{req.id}" and req.opened_via == VIA_FORUM


def test_newest_topics_and_posts(login, forum_topic):
    page = login("moderator").get("/staff/forums/newest").data
    assert b"Hello" in page and b"Bob" in page


def test_staff_search_covers_private_forums(app, login, forum_topic):
    forum_id, topic_id, _ = forum_topic
    with app.app_context():
        load(Forum, forum_id).private = True
        db.session.commit()
    found = login("moderator").get("/staff/forums?q=reply").data.decode()
    assert "1 result" in found and f'href="/staff/forums/topics/{topic_id}"' in found
