"""Forum reply subscriptions needed no confirmation, so anyone could make the help desk
mail their text (topic, name, message) to any address, and the API allowed it without limit.

Asking for replies (the portal's checkbox, the API's fEmailUpdate) now records a pending subscription and
mails one fixed-text confirmation with a signed link; only a confirmed address gets reply mails; every reply
mail carries a signed one-click unsubscribe link and List-Unsubscribe headers (RFC 8058); confirmation mails
to one address are limited (one pending per address and topic, and a daily cap per address).
"""
import re
import time

import pytest
from itsdangerous import TimestampSigner

from portal import settings, spam
from portal.extensions import db
from portal.forums.models import Forum, Topic

LINK = re.compile(r"http://portal\.test(/forums/subscriptions/\S+)")
ATTACKER_TEXT = ("pills", "Pill", "Seller", "555", "Buy")


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def forum_id(app):
    with app.app_context():
        settings.set_value("public_api", True)
        forum = Forum(name="Help")
        db.session.add(forum)
        db.session.commit()
        return forum.id


def form(app, **fields):
    with app.test_request_context():
        fields["form_token"] = spam.form_token(now=time.time() - 30)
    return fields


def api(client, method, **params):
    response = client.post("/api/index.php", data={"method": method, "output": "json", **params})
    assert response.status_code == 200, response.data
    return response.get_json(force=True)


def visible_text(message) -> str:
    return re.sub(r"https?://\S+", "", f"{message['Subject']}\n{message.get_content()}")


def link_in(message) -> str:
    return LINK.search(message.get_content()).group(1)


def start_topic(app, client, forum_id, **fields) -> str:
    response = client.post(f"/forums/{forum_id}", data=form(app, **fields))
    assert response.status_code == 303
    return response.headers["Location"]


def reply(app, client, topic_url, body, name="Bob", email="bob@example.com"):
    assert client.post(topic_url, data=form(app, body=body, name=name, email=email)).status_code == 303


def test_asking_for_replies_for_an_address_mails_it_one_fixed_confirmation_and_no_replies(app, client, forum_id,
                                                                                        smtp_server):
    mailbox, _ = smtp_server
    topic_url = start_topic(app, client, forum_id, title="Cheap pills at pills.example", body="Buy now: 555",
                            name="Pill Seller", email="victim@example.com", fEmailUpdate="1")
    reply(app, client, topic_url, "More pills, call 555", name="Pill Seller 2", email="other@example.com")
    [confirmation] = mailbox.messages  # no reply mail: the address has not confirmed
    assert confirmation["To"] == "victim@example.com"
    text = visible_text(confirmation)
    for word in ATTACKER_TEXT:
        assert word.lower() not in text.lower(), f"{word!r} was mailed to an unconfirmed address"
    assert "/confirm" in link_in(confirmation)


def test_a_confirmed_subscriber_gets_replies_with_a_one_click_unsubscribe(app, client, forum_id, smtp_server):
    mailbox, _ = smtp_server
    topic_url = start_topic(app, client, forum_id, title="Printing", body="How do I print?", name="Ann",
                            email="ann@example.com", fEmailUpdate="1")
    confirm = link_in(mailbox.messages[0])

    page = client.get(confirm)  # opening the link (or a mail scanner following it) confirms nothing
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    reply(app, client, topic_url, "Try Ctrl+P.")
    assert len(mailbox.messages) == 1

    assert client.post(confirm).status_code == 303
    reply(app, client, topic_url, "Or the print button.")
    assert len(mailbox.messages) == 2
    notice = mailbox.messages[1]
    assert notice["To"] == "ann@example.com" and notice["Subject"] == "Re: Printing"
    assert "Or the print button." in notice.get_content()  # the subscriber opted in to the posts' text
    header = notice["List-Unsubscribe"]
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<http://portal\.test(/forums/subscriptions/\S+)>", header).group(1)
    assert unsubscribe in notice.get_content() and unsubscribe.endswith("/stop")

    # RFC 8058: the mail provider POSTs, with no cookie and no CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    done = app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 200
    reply(app, client, topic_url, "Anyone else?")
    assert len(mailbox.messages) == 2


def test_the_unsubscribe_link_shows_a_page_and_a_button(app, client, forum_id, smtp_server):
    from portal.forums import subscriptions
    from portal.forums.models import Subscription

    mailbox, _ = smtp_server
    with app.test_request_context():
        topic = db.session.get(Topic, int(start_topic(app, client, forum_id, title="T", body="B", name="Ann")
                                          .rsplit("/", 1)[1].split("-")[0]))
        db.session.add(Subscription(topic_id=topic.id, email="ann@example.com", asked_at=topic.posted_at,
                                    confirmed_at=topic.posted_at))
        db.session.commit()
        stop = subscriptions.unsubscribe_url(topic.id, "ann@example.com").replace("http://portal.test", "")
    page = client.get(stop)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Subscription)).scalar_one().confirmed_at is not None
    assert client.post(stop).status_code == 200
    with app.app_context():
        assert db.session.execute(db.select(Subscription)).scalar_one().confirmed_at is None


def test_confirmation_mails_to_one_address_are_limited(app, client, forum_id, smtp_server):
    cap = 3  # subscriptions.CONFIRMATIONS_PER_DAY
    mailbox, _ = smtp_server
    for n in range(6):  # through the API, which took any number before
        topic = api(client, "forums.createTopic", xForumId=forum_id, sTopic=f"Topic {n}", sName="Spammer",
                    tPost="Text", sEmail="victim@example.com", fEmailUpdate="1")
        for _ in range(2):
            api(client, "forums.createPost", xTopicId=topic["xTopicId"], sName="Spammer", tPost="Again",
                sEmail="victim@example.com", fEmailUpdate="1")
        api(client, "forums.createPost", xTopicId=topic["xTopicId"], sName="Bob", tPost="A reply")
    to_victim = [m for m in mailbox.messages if m["To"] == "victim@example.com"]
    assert len(to_victim) == cap  # one per topic, then the daily cap
    assert all("/confirm" in link_in(m) for m in to_victim)
    from portal.forums import subscriptions
    from portal.forums.models import Subscription

    assert subscriptions.CONFIRMATIONS_PER_DAY == cap
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Subscription.id))
                                 .where(Subscription.confirmed_at.is_not(None))) == 0


def test_a_pending_subscription_is_asked_again_only_after_its_link_expired(app, client, forum_id, smtp_server):
    from portal.forums import subscriptions
    from portal.forums.models import Subscription

    mailbox, _ = smtp_server
    topic_url = start_topic(app, client, forum_id, title="T", body="B", name="Ann", email="ann@example.com",
                            fEmailUpdate="1")
    client.post(topic_url, data=form(app, body="Again", name="Ann", email="ann@example.com", fEmailUpdate="1"))
    assert len(mailbox.messages) == 1
    with app.app_context():
        pending = db.session.execute(db.select(Subscription)).scalar_one()
        pending.asked_at -= subscriptions.CONFIRM_WITHIN
        db.session.commit()
    client.post(topic_url, data=form(app, body="Once more", name="Ann", email="ann@example.com", fEmailUpdate="1"))
    assert len(mailbox.messages) == 2


def test_forged_expired_and_swapped_links_are_refused(app, client, forum_id, smtp_server, monkeypatch):
    from portal.forums import subscriptions
    from portal.forums.models import Subscription

    mailbox, _ = smtp_server
    start_topic(app, client, forum_id, title="T", body="B", name="Ann", email="ann@example.com", fEmailUpdate="1")
    confirm = link_in(mailbox.messages[0])
    token = confirm.split("/")[-2]
    assert client.post(confirm.replace(token, token[:-2] + "xx")).status_code == 404
    # An unsubscribe token does not confirm, and the other way round (each is signed for its purpose).
    with app.test_request_context():
        topic_id = db.session.execute(db.select(Topic.id)).scalar_one()
        stop_token = subscriptions.unsubscribe_url(topic_id, "ann@example.com").split("/")[-2]
    assert client.post(confirm.replace(token, stop_token)).status_code == 404
    assert client.post(f"/forums/subscriptions/{token}/stop").status_code == 404
    # A confirmation link works for a limited time.
    real = time.time
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: int(real() + subscriptions.CONFIRM_WITHIN.total_seconds() + 60))
    assert client.post(confirm).status_code == 404
    monkeypatch.undo()
    with app.app_context():
        assert db.session.execute(db.select(Subscription)).scalar_one().confirmed_at is None
    assert client.post(confirm).status_code == 303


def test_a_held_spam_post_asks_nobody_until_a_moderator_approves_it(app, client, forum_id, smtp_server, make_staff):
    from portal.accounts.models import Staff
    from portal.forums import moderation
    from portal.forums.models import Post

    mailbox, _ = smtp_server
    links = " ".join(f"http://spam{n}.example" for n in range(5))
    client.post(f"/forums/{forum_id}", data=form(app, title="T", body=links, name="Ann", email="ann@example.com",
                                                 fEmailUpdate="1"))
    assert mailbox.messages == []
    with app.test_request_context():
        moderation.approve_posts(db.session.get(Staff, make_staff(role="administrator")),
                                 [db.session.execute(db.select(Post.id)).scalar_one()])
        db.session.commit()
    assert [m["To"] for m in mailbox.messages] == ["ann@example.com"]


def test_mail_links_work_when_the_portal_needs_a_login(app, client, forum_id, smtp_server):
    mailbox, _ = smtp_server
    start_topic(app, client, forum_id, title="T", body="B", name="Ann", email="ann@example.com", fEmailUpdate="1")
    with app.app_context():
        settings.set_value("require_login", True)
        db.session.commit()
    confirm = link_in(mailbox.messages[0])
    assert client.get(confirm).status_code == 200
    assert client.post(confirm).status_code == 303
