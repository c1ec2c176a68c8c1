"""A post held as spam sends ``forum.post_held`` when made; when a moderator approves it, the event a post not
held would have sent goes out then: ``forum.topic_created`` for a topic's first post, ``forum.post_created`` for a
reply. Nothing is sent for a post deleted as spam."""
import json

import pytest

from portal import outbox, settings
from portal.extensions import db
from portal.forums.moderation import approve_posts, delete_held
from portal.forums.services import PostInput, create_post, create_topic
from portal.outbox.models import DONE, Job
from portal.webhooks import services as webhooks
from tests import factories
from tests.outbox.receiver import Receiver

SPAM = "buy http://a.test http://b.test http://c.test http://d.test now"


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0}


@pytest.fixture
def receiver(ctx):
    settings.set_value("webhooks_allow_private", True)
    with Receiver() as running:
        admin = factories.staff("admin@example.com", role="administrator")
        webhooks.create_endpoint(admin, running.url, ["forum.topic_created", "forum.post_created",
                                                      "forum.post_held"])
        db.session.commit()
        yield running


def _events() -> list[str]:
    return [j.payload["event"] for j in db.session.scalars(db.select(Job).where(Job.kind == "webhook")
                                                            .order_by(Job.id))]


def test_approving_a_held_first_post_announces_the_topic(receiver):
    moderator = factories.staff("mod@example.com", role="administrator")
    topic, post = create_topic(factories.forum(), PostInput(title="Cheap things", body=SPAM, name="Sam"))
    db.session.commit()
    assert post.spam and _events() == ["forum.post_held"]
    assert approve_posts(moderator, [post.id]) == 1
    db.session.commit()
    assert _events() == ["forum.post_held", "forum.topic_created"]
    assert [o.state for o in outbox.run_pending()] == [DONE, DONE]
    sent = json.loads(receiver.received[-1][1])
    assert sent["type"] == "forum.topic_created" and sent["data"]["topic"]["id"] == topic.id
    assert sent["data"]["post"]["id"] == post.id and sent["data"]["post"]["spam_probability"] == 0


def test_approving_a_held_reply_announces_the_post_and_deleting_one_announces_nothing(receiver):
    moderator = factories.staff("mod@example.com", role="administrator")
    topic, _ = create_topic(factories.forum(), PostInput(title="Hello", body="A fine first post", name="Ann"))
    held = create_post(topic, PostInput(body=SPAM, name="Sam"))
    other = create_post(topic, PostInput(body=SPAM + " again", name="Sam"))
    db.session.commit()
    assert _events() == ["forum.topic_created", "forum.post_held", "forum.post_held"]
    approve_posts(moderator, [held.id])
    delete_held(moderator, [other.id])
    db.session.commit()
    assert _events()[3:] == ["forum.post_created"]
    outbox.run_pending()
    sent = json.loads(receiver.received[-1][1])
    assert sent["type"] == "forum.post_created" and sent["data"]["post"]["id"] == held.id


def test_approving_twice_announces_once(receiver):
    moderator = factories.staff("mod@example.com", role="administrator")
    topic, _ = create_topic(factories.forum(), PostInput(title="Hello", body="A fine first post", name="Ann"))
    held = create_post(topic, PostInput(body=SPAM, name="Sam"))
    db.session.commit()
    approve_posts(moderator, [held.id])
    db.session.commit()
    assert approve_posts(moderator, [held.id]) == 0
    db.session.commit()
    assert _events().count("forum.post_created") == 1
