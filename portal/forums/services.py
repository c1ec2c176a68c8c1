"""Reading and posting in the forums. Moderation lives in ``forums.moderation`` (staff).

Posting rules (closed forum or topic, required fields, spam holding) are the same for the portal
forms and the ``forums.createTopic``/``forums.createPost`` API methods.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext, lazy_gettext
from sqlalchemy import update
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import limits, settings, spam
from ..accounts.services import normalise_email
from ..dates import utcnow
from ..errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..text import clean_html, plain_to_html, single_line
from ..webhooks import events as webhook_events
from .models import Forum, KnownUser, Post, Topic, topic_tag
from .subscriptions import ask as ask_for_replies
from .subscriptions import notify_subscribers


@dataclass
class PostInput:
    body: str = ""
    name: str = ""
    email: str = ""
    url: str = ""
    email_updates: bool = False
    ip: str = ""
    os: str = ""
    browser: str = ""
    title: str = ""  # only for a new topic
    body_is_html: bool = False


class ForumClosed(Conflict):
    message = N_("Forum is closed")


class TopicClosed(Conflict):
    message = N_("Topic is closed")


def public_forums() -> list[Forum]:
    return list(db.session.execute(
        db.select(Forum).where(Forum.private.is_(False)).order_by(Forum.position, Forum.name)).scalars())


@dataclass
class ForumActivity:
    topics: int = 0
    posts: int = 0
    last_post_at: object = None


def forum_activity(forums: list[Forum]) -> dict[int, ForumActivity]:
    """Visible topic and post counts and the latest activity of each forum, in one grouped query."""
    ids = [forum.id for forum in forums]
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(Topic.forum_id, db.func.count(Topic.id), db.func.sum(Topic.post_count),
                  db.func.max(Topic.last_post_at))
        .where(Topic.forum_id.in_(ids), Topic.post_count > 0).group_by(Topic.forum_id))
    return {forum_id: ForumActivity(topics, int(posts or 0), last) for forum_id, topics, posts, last in rows}


def get_forum(forum_id: int, *, staff=None) -> Forum:
    """Raises NotFound, or Forbidden for a private forum seen by a customer."""
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        raise NotFound(gettext("No such forum."))
    if forum.private and staff is None:
        raise Forbidden(gettext("This forum is private."))
    return forum


def get_topic(topic_id: int, *, staff=None) -> Topic:
    topic = db.session.execute(db.select(Topic).where(Topic.id == topic_id)
                               .options(joinedload(Topic.forum))).scalar_one_or_none()  # one statement
    if topic is None or (topic.post_count == 0 and staff is None):
        raise NotFound(gettext("No such topic."))
    get_forum(topic.forum_id, staff=staff)
    return topic


def topics_query(forum: Forum):
    """Topics with at least one visible post: sticky first, then by latest activity."""
    return (db.select(Topic).where(Topic.forum_id == forum.id, Topic.post_count > 0)
            .order_by(Topic.sticky.desc(), Topic.last_post_at.desc(), Topic.id.desc()))


def list_topics(forum: Forum, *, offset: int = 0, limit: int = 40) -> list[Topic]:
    return list(db.session.execute(topics_query(forum).offset(offset).limit(limit)).scalars())


def posts_query(topic: Topic):
    """Visible posts (spam held back), oldest first."""
    return (db.select(Post).where(Post.topic_id == topic.id, Post.spam.is_(False))
            .options(selectinload(Post.staff)).order_by(Post.id))


def latest_topics(limit: int = 10) -> list[Topic]:
    query = (db.select(Topic).join(Topic.forum).where(Forum.private.is_(False), Topic.post_count > 0)
             .options(contains_eager(Topic.forum)).order_by(Topic.last_post_at.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def topics_for_tag(tag, limit: int = 50) -> list[Topic]:
    """Visible topics of public forums carrying a tag, newest activity first (the tag page's forum column)."""
    query = (db.select(Topic).join(Topic.forum).join(topic_tag, topic_tag.c.topic_id == Topic.id)
             .where(topic_tag.c.tag_id == tag.id, Forum.private.is_(False), Topic.post_count > 0)
             .options(selectinload(Topic.forum)).order_by(Topic.last_post_at.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def feed_topics(forum: Forum, limit: int) -> list[tuple[Topic, Post]]:
    """The forum's newest visible topics with their first visible post, in two queries (the RSS feed)."""
    topics = list(db.session.execute(
        db.select(Topic).where(Topic.forum_id == forum.id, Topic.post_count > 0)
        .order_by(Topic.posted_at.desc(), Topic.id.desc()).limit(limit)).scalars())
    if not topics:
        return []
    first_ids = (db.select(db.func.min(Post.id)).where(Post.topic_id.in_([t.id for t in topics]),
                                                        Post.spam.is_(False)).group_by(Post.topic_id))
    firsts = {p.topic_id: p for p in db.session.execute(db.select(Post).where(Post.id.in_(first_ids))).scalars()}
    return [(topic, firsts[topic.id]) for topic in topics if topic.id in firsts]


def known_labels(posts: list[Post]) -> dict[int, str]:
    """Known-user labels for a page of posts, in one query: {post id: label}.

    A label matches the poster's name and address (its OS, when it names one, picks among several). A label
    that belongs to a staff member (``staff_id``) shows only on posts that staff member wrote: a name is
    typed by the poster and an address is shared by everyone behind it, so neither proves who posted."""
    names = {post.name for post in posts}
    if not names:
        return {}
    known = list(db.session.execute(db.select(KnownUser).where(KnownUser.name.in_(names))).scalars())
    labels = {}
    for post in posts:
        candidates = [k for k in known if k.name == post.name and k.ip == post.ip
                      and (k.staff_id is None or k.staff_id == post.staff_id)]
        if candidates:  # the staff member's own label first, then the exact OS
            best = min(candidates, key=lambda k: (k.staff_id is None, k.os != post.os, k.id))
            labels[post.id] = best.label
    return labels


def topic_is_closed(topic: Topic) -> bool:
    if topic.closed or topic.forum.closed:
        return True
    days = settings.get("forum_close_after_days")
    return bool(days) and utcnow() - topic.last_post_at > timedelta(days=days)


def _check(data: PostInput, *, needs_title: bool, staff=None) -> None:
    errors = []
    data.title = single_line(data.title)[:200]  # one line, no control characters (they broke the feed)
    data.name = single_line(data.name)[:50]
    data.url = single_line(data.url)[:255]
    if needs_title and not data.title:
        errors.append(("title", gettext("Please provide a topic")))
    if not (data.body or "").strip():
        errors.append(("body", gettext("Please provide a message")))
    elif reason := limits.too_long(data.body, staff=staff is not None, label=lazy_gettext("Your message")):
        errors.append(("body", reason))
    if not data.name:
        errors.append(("name", gettext("Please provide a name")))
    data.email, email_error = normalise_email(data.email)
    if email_error:
        errors.append(("email", email_error))
    if data.url and not data.url.lower().startswith(("http://", "https://")):
        errors.append(("url", gettext("Your website must start with http:// or https://")))
    if errors:
        raise ValidationFailed(errors)


def _new_post(topic: Topic, data: PostInput, staff) -> Post:
    body = clean_html(data.body) if data.body_is_html or staff else plain_to_html(data.body.strip())
    probability = 0 if staff else spam.spam_probability(data.body, data.title, data.url)
    post = Post(topic=topic, staff_id=staff.id if staff else None, name=data.name, email=data.email,
                url=data.url, ip=data.ip[:45], os=data.os[:20], browser=data.browser[:100], body=body,
                email_updates=bool(data.email_updates and data.email), spam=probability >= 100,
                spam_probability=probability, posted_at=utcnow())
    db.session.add(post)
    return post


def create_topic(forum: Forum, data: PostInput, *, staff=None) -> tuple[Topic, Post]:
    """Start a topic with its first post. Raises ValidationFailed or ForumClosed. A spam first post is
    held, and the topic stays invisible until a moderator approves it (its request for replies too)."""
    if forum.closed and staff is None:
        raise ForumClosed()
    _check(data, needs_title=True, staff=staff)
    now = utcnow()
    topic = Topic(forum=forum, title=data.title, starter_name=data.name, posted_at=now, last_post_at=now,
                  post_count=0)
    db.session.add(topic)
    post = _new_post(topic, data, staff)
    if not post.spam:
        topic.post_count = 1
    db.session.flush()
    if post.email_updates and not post.spam:
        ask_for_replies(topic, post.email)
    webhook_events.topic_created(topic, post)
    return topic, post


def create_post(topic: Topic, data: PostInput, *, staff=None) -> Post:
    """Reply in a topic. Raises ValidationFailed, ForumClosed or TopicClosed. Confirmed subscribers are
    emailed after commit, unless the post is held as spam; asking for replies mails a confirmation link
    (forums.subscriptions)."""
    if staff is None:
        if topic.forum.closed:
            raise ForumClosed()
        if topic_is_closed(topic):
            raise TopicClosed()
    _check(data, needs_title=False, staff=staff)
    post = _new_post(topic, data, staff)
    db.session.flush()
    if not post.spam:
        count_visible_post(topic, post)
        notify_subscribers(topic, post)
        if post.email_updates:
            ask_for_replies(topic, post.email)
    webhook_events.post_created(topic, post)
    return post


def count_visible_post(topic: Topic, post: Post) -> None:
    """Bump the topic's post count and activity time atomically (concurrent replies are not lost)."""
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(post_count=Topic.post_count + 1, last_post_at=post.posted_at))
    db.session.expire(topic, ["post_count", "last_post_at"])
