"""With rate limits on (as in production), one address cannot flood a forum with posts."""
import time

import pytest

from portal import spam
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def test_the_eleventh_reply_in_a_minute_is_refused_but_reading_goes_on(app, client):
    with app.app_context():
        forum = Forum(name="Help")
        topic = Topic(forum=forum, title="Question", starter_name="Ann", post_count=1)
        db.session.add_all([forum, topic, Post(topic=topic, name="Ann", body="<p>Q</p>")])
        db.session.commit()
        topic_id = topic.id
    def token():  # a form token works once: one per post, as a browser would have
        with app.test_request_context():
            return spam.form_token(now=time.time() - 30)

    statuses = [client.post(f"/forums/topics/{topic_id}", data={"body": f"Reply {n}", "name": "Zoe",
                                                                "form_token": token()}).status_code
                for n in range(11)]
    assert statuses == [303] * 10 + [429]
    assert "Too many requests" in client.post(f"/forums/topics/{topic_id}", data={}).get_data(as_text=True)
    assert client.get(f"/forums/topics/{topic_id}-question").status_code == 200
    with app.app_context():
        assert db.session.get(Topic, topic_id).post_count == 11
