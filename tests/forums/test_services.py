"""Forums: posting rules, closed forums and topics, spam holding, counters, subscriptions."""
from datetime import timedelta

import pytest

from portal import settings
from portal.dates import utcnow
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.forums import services
from portal.forums.models import Forum, KnownUser
from portal.forums.services import PostInput


@pytest.fixture
def forum(ctx):
    forum = Forum(name="Questions")
    db.session.add(forum)
    db.session.commit()
    return forum


def _post(**values):
    values.setdefault("name", "Bob")
    values.setdefault("body", "How do I install it?")
    return PostInput(**values)


def test_topic_and_replies_keep_counts(forum):
    topic, first = services.create_topic(forum, _post(title="Install help"))
    services.create_post(topic, _post(name="Jen", body="Read the manual."))
    db.session.commit()
    assert topic.post_count == 2 and topic.starter_name == "Bob"
    assert [p.name for p in db.session.execute(services.posts_query(topic)).scalars()] == ["Bob", "Jen"]
    assert first.body == "How do I install it?"


def test_post_bodies_are_escaped_text(forum):
    topic, post = services.create_topic(forum, _post(title="x", body="<script>alert(1)</script>\nline two"))
    assert "<script>" not in post.body and "&lt;script&gt;" in post.body and "<br />" in post.body


def test_required_fields_use_helpspot_messages(forum):
    with pytest.raises(ValidationFailed) as caught:
        services.create_topic(forum, PostInput(email="nope"))
    assert caught.value.errors == [("title", "Please provide a topic"), ("body", "Please provide a message"),
                                   ("name", "Please provide a name"), ("email", "This is not a valid email address.")]


def test_closed_forum_and_topics_refuse_posts(forum):
    topic, _ = services.create_topic(forum, _post(title="t"))
    topic.closed = True
    with pytest.raises(services.TopicClosed):
        services.create_post(topic, _post())
    topic.closed = False
    forum.closed = True
    with pytest.raises(services.ForumClosed):
        services.create_topic(forum, _post(title="again"))
    with pytest.raises(services.ForumClosed):
        services.create_post(topic, _post())


def test_topics_close_after_inactivity_when_configured(forum):
    topic, _ = services.create_topic(forum, _post(title="old"))
    topic.last_post_at = utcnow() - timedelta(days=40)
    assert not services.topic_is_closed(topic)
    settings.set_value("forum_close_after_days", 30)
    assert services.topic_is_closed(topic)


def test_spam_is_held_and_invisible(forum):
    links = " ".join(f"http://spam{i}.example" for i in range(5))
    topic, post = services.create_topic(forum, _post(title="Cheap pills", body=links))
    db.session.commit()
    assert post.spam and post.spam_probability == 100 and topic.post_count == 0
    assert services.list_topics(forum) == []
    with pytest.raises(NotFound):
        services.get_topic(topic.id)
    good, _ = services.create_topic(forum, _post(title="Real"))
    services.create_post(good, _post(body=links))
    db.session.commit()
    assert good.post_count == 1


def test_listing_puts_sticky_first_then_latest_activity(forum):
    old, _ = services.create_topic(forum, _post(title="old"))
    sticky, _ = services.create_topic(forum, _post(title="rules"))
    new, _ = services.create_topic(forum, _post(title="new"))
    old.last_post_at = utcnow() - timedelta(days=2)
    sticky.last_post_at = utcnow() - timedelta(days=5)
    sticky.sticky = True
    db.session.commit()
    assert [t.title for t in services.list_topics(forum)] == ["rules", "new", "old"]


def test_private_forums_are_hidden_from_customers(ctx):
    private = Forum(name="Staff", private=True)
    db.session.add(private)
    db.session.commit()
    with pytest.raises(Forbidden):
        services.get_forum(private.id)
    assert services.get_forum(private.id, staff=object()) is private
    assert services.public_forums() == []


def test_known_user_labels_match_name_and_ip(forum):
    topic, post = services.create_topic(forum, _post(title="t", ip="10.0.0.1"))
    other = services.create_post(topic, _post(name="Bob", ip="10.9.9.9"))
    db.session.add(KnownUser(name="Bob", ip="10.0.0.1", label="Expert User"))
    db.session.commit()
    assert services.known_labels([post, other]) == {post.id: "Expert User"}
