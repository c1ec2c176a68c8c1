"""With CSRF protection on (as in production), forum forms without the token are refused."""
import time

import pytest

from portal import spam
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from tests.portal_helpers import form_field


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def topic_ids(app):
    with app.app_context():
        forum = Forum(name="Help")
        topic = Topic(forum=forum, title="Question", starter_name="Ann", post_count=1)
        db.session.add_all([forum, topic, Post(topic=topic, name="Ann", body="<p>Q</p>")])
        db.session.commit()
        return forum.id, topic.id


def fields(app):
    with app.test_request_context():
        return {"title": "New", "body": "Text", "name": "Zoe", "form_token": spam.form_token(now=time.time() - 30)}


def test_new_topic_and_reply_without_a_csrf_token_are_refused(app, client, topic_ids):
    forum_id, topic_id = topic_ids
    assert client.post(f"/forums/{forum_id}", data=fields(app)).status_code == 400
    assert client.post(f"/forums/topics/{topic_id}", data=fields(app)).status_code == 400
    with app.app_context():
        assert db.session.query(Post).count() == 1 and db.session.query(Topic).count() == 1


def test_with_the_token_from_the_page_the_reply_is_accepted(app, client, topic_ids):
    import re

    page = client.get(f"/forums/topics/{topic_ids[1]}-question").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value=""', page)  # a shared page: the script fetches it
    csrf = form_field(client, page, "csrf_token")
    response = client.post(f"/forums/topics/{topic_ids[1]}", data={**fields(app), "csrf_token": csrf})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Post).count() == 2
