"""The forum pages of the portal: forums, topic lists, posts, new topics and replies."""
import re
import time
from datetime import timedelta

import pytest

from portal import settings, spam
from portal.dates import utcnow
from portal.extensions import db
from portal.forums.models import Forum, KnownUser, Post, Topic
from tests.portal_helpers import count_queries


@pytest.fixture
def board(app):
    """An open forum with a normal, a sticky and a closed topic; a closed forum; a private forum."""
    with app.app_context():
        now = utcnow()
        help_forum = Forum(name="Product Help", description="Ask anything", position=0)
        closed_forum = Forum(name="Archive", closed=True, position=1)
        private = Forum(name="Staff Room", private=True, position=2)
        older = Topic(forum=help_forum, title="Old question", starter_name="Ann", post_count=2,
                      posted_at=now - timedelta(days=3), last_post_at=now - timedelta(days=2))
        newer = Topic(forum=help_forum, title="New question", starter_name="Bob", post_count=1,
                      posted_at=now - timedelta(hours=2), last_post_at=now - timedelta(hours=1))
        sticky = Topic(forum=help_forum, title="Read me first", starter_name="Team", sticky=True, post_count=1,
                       posted_at=now - timedelta(days=9), last_post_at=now - timedelta(days=9))
        shut = Topic(forum=help_forum, title="Solved and shut", starter_name="Cy", closed=True, post_count=1,
                     posted_at=now - timedelta(days=5), last_post_at=now - timedelta(days=5))
        held = Topic(forum=help_forum, title="Buy cheap pills", starter_name="Spam", post_count=0)
        archived = Topic(forum=closed_forum, title="Archived thing", starter_name="Dee", post_count=1)
        secret = Topic(forum=private, title="Salaries", starter_name="Eve", post_count=1)
        db.session.add_all([help_forum, closed_forum, private, older, newer, sticky, shut, held, archived, secret])
        db.session.add_all([
            Post(topic=older, name="Ann", email="ann@example.com", url="https://ann.example", ip="10.0.0.1",
                 os="Linux", body="<p>How do I export?</p>", posted_at=now - timedelta(days=3)),
            Post(topic=older, name="Sam", ip="10.0.0.2", body="<p>Use the Export menu.</p>",
                 posted_at=now - timedelta(days=2)),
            Post(topic=older, name="Spammer", body="<p>held spam reply</p>", spam=True),
            Post(topic=newer, name="Bob", body="<p>New?</p>"),
            Post(topic=sticky, name="Team", body="<p>Rules</p>"),
            Post(topic=shut, name="Cy", body="<p>Done</p>"),
            Post(topic=held, name="Spam", body="<p>pills</p>", spam=True),
            Post(topic=archived, name="Dee", body="<p>Old</p>"),
            Post(topic=secret, name="Eve", body="<p>Numbers</p>"),
            KnownUser(name="Sam", ip="10.0.0.2", label="Expert User"),
        ])
        db.session.commit()
        return {name: obj.id for name, obj in (("forum", help_forum), ("closed_forum", closed_forum),
                                                ("private", private), ("older", older), ("newer", newer),
                                                ("sticky", sticky), ("shut", shut), ("held", held),
                                                ("archived", archived), ("secret", secret))}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def token(app, age=30):
    with app.test_request_context():
        return spam.form_token(now=time.time() - age)


def post_data(app, **fields):
    data = {"body": "Thanks, this helped.", "name": "Zoe", "email": "", "url": "", "form_token": token(app)}
    data.update(fields)
    return data


def test_index_lists_public_forums_with_their_activity(client, board):
    page = text_of(client.get("/forums"))
    assert "<title>Forums · Portico Help Desk</title>" in page
    assert "Product Help" in page and "Ask anything" in page and "Archive" in page
    assert "Staff Room" not in page
    # 4 visible topics (the held one does not count) with 5 posts.
    assert "4 topics · 5 posts" in page
    assert "Archive</a> <span class=\"badge badge-closed\">Closed</span>" in page


def test_forum_lists_visible_topics_sticky_first_then_latest_activity(client, board):
    page = text_of(client.get(f"/forums/{board['forum']}-product-help"))
    order = [page.index(title) for title in ("Read me first", "New question", "Old question", "Solved and shut")]
    assert order == sorted(order)
    assert "Buy cheap pills" not in page
    assert 'badge-sticky">Sticky' in page and 'badge-closed">Closed' in page
    assert re.search(r"Old question</a>.*Started by Ann.*<td class=\"num\">2</td>", page)
    assert "Start a new topic" in page and 'name="title"' in page and 'name="form_token"' in page
    assert f'href="/forums/{board["forum"]}/feed.xml"' in page


def test_forum_pages_topics_with_the_forum_page_size(app, client, board):
    with app.app_context():
        settings.set_value("forum_page_size", 3)
        db.session.commit()
    first = text_of(client.get(f"/forums/{board['forum']}-product-help"))
    second = text_of(client.get(f"/forums/{board['forum']}-product-help?page=2"))
    assert "Page 1 of 2" in first and "Solved and shut" not in first
    assert "Solved and shut" in second and "Read me first" not in second
    assert "<title>Product Help (page 2) · Forums · Portico Help Desk</title>" in second


def test_a_page_past_the_end_is_404(client, board):
    assert client.get(f"/forums/{board['forum']}-product-help?page=9").status_code == 404
    assert client.get(f"/forums/topics/{board['older']}-old-question?page=9").status_code == 404
    assert client.get(f"/forums/{board['forum']}-product-help?page=0").status_code == 200


def test_forum_without_slug_redirects_and_keeps_the_page(client, board):
    response = client.get(f"/forums/{board['forum']}?page=2")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/forums/{board['forum']}-product-help?page=2"


def test_a_closed_forum_shows_no_form(client, board):
    page = text_of(client.get(f"/forums/{board['closed_forum']}-archive"))
    assert "This forum is closed" in page and 'name="title"' not in page


@pytest.mark.parametrize("path", ["/forums/{private}-staff-room", "/forums/topics/{secret}-salaries",
                                  "/forums/topics/{held}-buy-cheap-pills", "/forums/999", "/forums/topics/999"])
def test_private_held_and_missing_are_404(client, board, path):
    response = client.get(path.format(**board))
    assert response.status_code == 404
    assert "Salaries" not in response.get_data(as_text=True)


def test_topic_shows_posts_oldest_first_without_emails_or_held_posts(client, board):
    page = text_of(client.get(f"/forums/topics/{board['older']}-old-question"))
    assert "<title>Old question · Product Help · Portico Help Desk</title>" in page
    assert page.index("How do I export?") < page.index("Use the Export menu.")
    assert "held spam reply" not in page
    assert "ann@example.com" not in page
    assert '<a href="https://ann.example" rel="nofollow ugc noopener" target="_blank">Ann</a>' in page
    assert 'badge-label">Expert User' in page  # Sam's known-user label (name + IP)
    assert "Post a reply" in page and 'name="fEmailUpdate"' in page and 'name="title"' not in page
    assert re.search(r'Forums</a>.*Product Help</a>.*aria-current="page">Old question', page)


def test_a_closed_topic_shows_no_reply_form(client, board):
    page = text_of(client.get(f"/forums/topics/{board['shut']}-solved-and-shut"))
    assert "This topic is closed" in page and 'name="body"' not in page


def test_topics_close_automatically_after_the_configured_days(app, client, board):
    with app.app_context():
        settings.set_value("forum_close_after_days", 1)
        db.session.commit()
    assert "This topic is closed" in text_of(client.get(f"/forums/topics/{board['older']}-old-question"))
    assert "Post a reply" in text_of(client.get(f"/forums/topics/{board['newer']}-new-question"))


def test_posts_are_paginated(app, client, board):
    with app.app_context():
        settings.set_value("forum_page_size", 1)
        db.session.commit()
    second = text_of(client.get(f"/forums/topics/{board['older']}-old-question?page=2"))
    assert "Use the Export menu." in second and "How do I export?" not in second
    assert 'start="2"' in second


def test_new_topic_is_posted_and_shown(app, client, board):
    response = client.post(f"/forums/{board['forum']}-product-help",
                           data=post_data(app, title="Dark mode?", body="Is there a dark mode?\nThanks",
                                          name="Zoe", email="ZOE@example.com", fEmailUpdate="1"),
                           headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    assert response.status_code == 303
    with app.app_context():
        topic = db.session.execute(db.select(Topic).where(Topic.title == "Dark mode?")).scalar_one()
        post = topic.posts.one()
        assert topic.post_count == 1 and topic.starter_name == "Zoe"
        assert post.email == "zoe@example.com" and post.email_updates is True and post.os == "Linux"
        assert response.headers["Location"] == f"/forums/topics/{topic.id}-dark-mode"
    page = text_of(client.get(response.headers["Location"]))
    assert "Your topic has been posted." in page and "Is there a dark mode?<br> Thanks" in page


def test_new_topic_with_missing_fields_shows_each_error(app, client, board):
    response = client.post(f"/forums/{board['forum']}", data=post_data(app, title="", body=" ", name="",
                                                                         url="ftp://x"))
    assert response.status_code == 400
    page = text_of(response)
    for message in ("Please provide a topic", "Please provide a message", "Please provide a name",
                    "Your website must start with http:// or https://"):
        assert message in page
    assert 'aria-invalid="true"' in page and 'value="ftp://x"' in page  # what was typed stays
    with app.app_context():
        assert db.session.query(Topic).count() == 7


@pytest.mark.parametrize("fields", [{"form_token": ""}, {"form_token": "forged"}, {"website_url": "http://bot"}])
def test_a_bot_is_refused_and_nothing_is_stored(app, client, board, fields):
    response = client.post(f"/forums/{board['forum']}-product-help", data=post_data(app, title="Hi", **fields))
    assert response.status_code == 400
    assert "sent too quickly or was open too long" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Topic).count() == 7


def test_a_form_sent_too_fast_is_refused(app, client, board):
    response = client.post(f"/forums/topics/{board['older']}", data=post_data(app, form_token=token(app, age=0)))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Topic, board["older"]).post_count == 2


def test_a_topic_with_many_links_is_held_for_moderation(app, client, board):
    links = " ".join(f"http://spam{n}.example" for n in range(4))
    response = client.post(f"/forums/{board['forum']}-product-help",
                           data=post_data(app, title="Deals", body=links), follow_redirects=True)
    page = text_of(response)
    assert "Your post is held for moderation" in page
    assert response.request.path == f"/forums/{board['forum']}-product-help"
    assert "Deals" not in page.split("Your post is held")[1]
    with app.app_context():
        post = db.session.execute(db.select(Post).where(Post.body.contains("spam0"))).scalar_one()
        assert post.spam is True and post.topic.post_count == 0


def test_posting_in_a_closed_forum_is_refused(app, client, board):
    response = client.post(f"/forums/{board['closed_forum']}-archive", data=post_data(app, title="Hi"),
                           follow_redirects=True)
    assert "Forum is closed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Topic).count() == 7


def test_a_reply_is_posted_and_the_visitor_lands_on_it(app, client, board):
    response = client.post(f"/forums/topics/{board['older']}-old-question",
                           data=post_data(app, body="Me too", url="https://zoe.example"))
    assert response.status_code == 303
    with app.app_context():
        post = db.session.execute(db.select(Post).where(Post.body.contains("Me too"))).scalar_one()
        assert db.session.get(Topic, board["older"]).post_count == 3 and post.url == "https://zoe.example"
    assert response.headers["Location"] == f"/forums/topics/{board['older']}-old-question#post-{post.id}"
    page = text_of(client.get(response.headers["Location"]))
    assert "Your reply has been posted." in page and f'id="post-{post.id}"' in page


def test_a_reply_on_a_later_page_sends_the_visitor_to_the_last_page(app, client, board):
    with app.app_context():
        settings.set_value("forum_page_size", 2)
        db.session.commit()
    response = client.post(f"/forums/topics/{board['older']}", data=post_data(app, body="Third"))
    assert "?page=2#post-" in response.headers["Location"]


def test_an_invalid_reply_keeps_the_text(app, client, board):
    response = client.post(f"/forums/topics/{board['older']}-old-question",
                           data=post_data(app, body="My long answer", name="", email="not-an-email"))
    assert response.status_code == 400
    page = text_of(response)
    assert "Please provide a name" in page and "My long answer</textarea>" in page
    assert "How do I export?" in page  # the topic is shown again above the form


def test_a_reply_with_many_links_is_held(app, client, board):
    links = " ".join(f"https://x{n}.example" for n in range(5))
    page = text_of(client.post(f"/forums/topics/{board['older']}", data=post_data(app, body=links),
                               follow_redirects=True))
    assert "Your post is held for moderation" in page and "x0.example" not in page
    with app.app_context():
        assert db.session.get(Topic, board["older"]).post_count == 2


def test_replying_to_a_closed_topic_is_refused(app, client, board):
    page = text_of(client.post(f"/forums/topics/{board['shut']}", data=post_data(app), follow_redirects=True))
    assert "Topic is closed" in page
    with app.app_context():
        assert db.session.get(Topic, board["shut"]).post_count == 1


def test_topic_list_uses_a_fixed_number_of_queries(app, client, board):
    url = f"/forums/{board['forum']}-product-help"
    client.get(url)
    with count_queries(app) as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        forum = db.session.get(Forum, board["forum"])
        for n in range(25):
            topic = Topic(forum=forum, title=f"Bulk topic {n}", starter_name=f"User {n}", post_count=1)
            db.session.add_all([topic, Post(topic=topic, name=f"User {n}", body="<p>x</p>")])
        db.session.commit()
    with count_queries(app) as many:
        assert "Bulk topic 24" in client.get(url).get_data(as_text=True)
    assert len(many) == len(few), many


def test_topic_page_uses_a_fixed_number_of_queries(app, client, board):
    url = f"/forums/topics/{board['older']}-old-question"
    client.get(url)
    with count_queries(app) as few:
        client.get(url)
    with app.app_context():
        for n in range(20):
            db.session.add(Post(topic_id=board["older"], name=f"Poster {n}", ip="10.0.0.9", body=f"<p>n{n}</p>"))
        db.session.commit()
    with count_queries(app) as many:
        assert "Poster 19" in client.get(url).get_data(as_text=True)
    assert len(many) == len(few), many
