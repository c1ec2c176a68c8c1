"""The RSS 2.0 feed of a forum's newest topics."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from portal import settings
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic


@pytest.fixture
def forum_ids(app):
    with app.app_context():
        forum = Forum(name="News & <Updates>", description="Releases")
        private = Forum(name="Staff", private=True)
        db.session.add_all([forum, private])
        for n in range(12):
            topic = Topic(forum=forum, title=f"Release {n} <b>&</b>", starter_name="Team", post_count=1,
                          posted_at=datetime(2024, 3, 1 + n, 9, 30), last_post_at=datetime(2024, 3, 1 + n, 9, 30))
            db.session.add_all([topic, Post(topic=topic, name="Team", body=f"<p>Notes for {n} &amp; more</p>"),
                                Post(topic=topic, name="Fan", body="<p>a reply</p>")])
        held = Topic(forum=forum, title="Held spam", starter_name="Bot", post_count=0,
                     posted_at=datetime(2024, 4, 1))
        db.session.add_all([held, Post(topic=held, name="Bot", body="spam", spam=True)])
        db.session.commit()
        return forum.id, private.id


def test_feed_is_rss_with_the_newest_topics(app, client, forum_ids):
    response = client.get(f"/forums/{forum_ids[0]}/feed.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.data)  # well-formed despite <, & in names and bodies
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "News & <Updates> · Portico Help Desk"
    assert channel.findtext("link") == f"http://portal.test/forums/{forum_ids[0]}-news-updates"
    items = channel.findall("item")
    assert len(items) == 10  # forum_feed_size
    newest = items[0]
    assert newest.findtext("title") == "Release 11 <b>&</b>"
    assert newest.findtext("description") == "<p>Notes for 11 &amp; more</p>"  # the first post, as HTML
    assert newest.findtext("pubDate") == "Tue, 12 Mar 2024 09:30:00 GMT"
    topic_link = newest.findtext("link")
    assert re.fullmatch(r"http://portal\.test/forums/topics/\d+-release-11-b-b", topic_link)
    assert newest.findtext("guid") == topic_link
    assert "Held spam" not in response.get_data(as_text=True)


def test_feed_size_is_a_setting(app, client, forum_ids):
    with app.app_context():
        settings.set_value("forum_feed_size", 3)
        db.session.commit()
    root = ET.fromstring(client.get(f"/forums/{forum_ids[0]}/feed.xml").data)
    assert len(root.find("channel").findall("item")) == 3


def test_forum_page_advertises_its_feed(client, forum_ids):
    page = client.get(f"/forums/{forum_ids[0]}-news-updates").get_data(as_text=True)
    assert f'<link rel="alternate" type="application/rss+xml" title="News &amp; &lt;Updates&gt;" ' \
           f'href="/forums/{forum_ids[0]}/feed.xml">' in page


def test_private_forum_and_missing_forum_have_no_feed(client, forum_ids):
    assert client.get(f"/forums/{forum_ids[1]}/feed.xml").status_code == 404
    assert client.get("/forums/999/feed.xml").status_code == 404


def test_feeds_can_be_turned_off(app, client, forum_ids):
    with app.app_context():
        settings.set_value("forum_feeds", False)
        db.session.commit()
    assert client.get(f"/forums/{forum_ids[0]}/feed.xml").status_code == 404
    assert "feed.xml" not in client.get(f"/forums/{forum_ids[0]}-news-updates").get_data(as_text=True)
