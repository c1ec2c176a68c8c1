"""Reading and posting in the forums. Moderation lives in ``forums.moderation`` (staff).

Posting rules (closed forum or topic, required fields, spam holding) are the same for the portal
forms and the ``forums.createTopic``/``forums.createPost`` API methods.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Row, bindparam, update
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from .. import limits, settings, spam
from ..accounts.services import normalise_email
from ..database import prepared, rows
from ..dates import utcnow
from ..errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..kb.models import Tag
from ..text import clean_html, plain_to_html, single_line, slugify
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
    """Raises NotFound (a topic without visible posts too, for a customer), or Forbidden (``get_forum``)."""
    topic = db.session.execute(db.select(Topic).where(Topic.id == topic_id)
                               .options(joinedload(Topic.forum))).scalar_one_or_none()  # one statement
    if topic is None or (topic.post_count == 0 and staff is None):
        raise NotFound(gettext("No such topic."))
    get_forum(topic.forum_id, staff=staff)
    return topic


# --- the topic page, as plain rows ----------------------------------------------------------------------
# A crowd reads topics: ORM objects for the topic, its forum, tags and posts (with their per-row loads) cost
# about as much Python as the rest of the page. The page reads the columns it shows, in two statements.

@dataclass(frozen=True, slots=True)
class ForumHead:
    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class TagHead:
    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class TopicHead:
    """What the topic page shows of a topic (``read_topic``); ``closed`` is ``topic_is_closed``'s answer."""
    id: int
    title: str
    slug: str
    starter_name: str
    sticky: bool
    post_count: int
    closed: bool
    forum: ForumHead
    tags: list[TagHead]


def read_topic(topic_id: int, *, staff=None) -> TopicHead:
    """The topic as its page shows it, with its forum and tags (one statement), for whom ``get_topic``
    lets read it: raises NotFound or Forbidden as it does."""
    found = rows(_topic_with_forum_and_tags(), topic_id=topic_id)
    if not found or (found[0].post_count == 0 and staff is None):
        raise NotFound(gettext("No such topic."))
    first = found[0]
    if first.forum_id is None:
        raise NotFound(gettext("No such forum."))
    if first.forum_private and staff is None:
        raise Forbidden(gettext("This forum is private."))
    return TopicHead(
        id=first.id, title=first.title, slug=slugify(first.title), starter_name=first.starter_name,
        sticky=first.sticky, post_count=first.post_count,
        closed=_is_closed(first.closed, first.forum_closed, first.last_post_at),
        forum=ForumHead(first.forum_id, first.forum_name, slugify(first.forum_name)),
        tags=[TagHead(row.tag_id, row.tag_name, slugify(row.tag_name)) for row in found if row.tag_id is not None])


@prepared
def _topic_with_forum_and_tags():
    """One row per tag (one row without a tag when it has none), tags by name as ``Topic.tags``."""
    return (db.select(Topic.id, Topic.title, Topic.starter_name, Topic.closed, Topic.sticky, Topic.post_count,
                      Topic.last_post_at, Forum.id.label("forum_id"), Forum.name.label("forum_name"),
                      Forum.private.label("forum_private"), Forum.closed.label("forum_closed"),
                      Tag.id.label("tag_id"), Tag.name.label("tag_name"))
            .outerjoin(Forum, Forum.id == Topic.forum_id)
            .outerjoin(topic_tag, topic_tag.c.topic_id == Topic.id).outerjoin(Tag, Tag.id == topic_tag.c.tag_id)
            .where(Topic.id == bindparam("topic_id")).order_by(Tag.name))


@dataclass(frozen=True, slots=True)
class PostsPage:
    """One page of a topic's visible posts (rows: id, staff_id, name, url, posted_at, body, label), with
    what a pager reads (as flask_sqlalchemy's Pagination)."""
    items: Sequence[Row]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def topic_posts(topic_id: int, page: int, per_page: int) -> PostsPage:
    """A page of the topic's visible posts (``posts_query``'s), each with its known-user label
    (``known_labels``'s rule) and the count of them all, in one statement."""
    items = rows(_topic_posts_page(), topic_id=topic_id, limit=per_page, offset=(page - 1) * per_page)
    # No row: none on the first page (nothing visible), or a page past the last (its view answers 404).
    return PostsPage(items, page, per_page, items[0].total if items else 0)


@prepared
def _topic_posts_page():
    """The page's posts, each row with every visible post's count (a subquery run once: the pager's total
    without a COUNT statement of its own)."""
    counted = aliased(Post)
    total = (db.select(db.func.count(counted.id))
             .where(counted.topic_id == bindparam("topic_id"), counted.spam.is_(False)).scalar_subquery())
    return (db.select(Post.id, Post.staff_id, Post.name, Post.url, Post.posted_at, Post.body,
                      _known_label().label("label"), total.label("total"))
            .where(Post.topic_id == bindparam("topic_id"), Post.spam.is_(False)).order_by(Post.id)
            .limit(bindparam("limit")).offset(bindparam("offset")))


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
    """Known-user labels for a page of posts, in one query: {post id: label} (``_known_label``'s rule)."""
    ids = [post.id for post in posts]
    if not ids:
        return {}
    return {post_id: label for post_id, label in rows(_labels_of_posts(), ids=ids) if label is not None}


def _known_label():
    """The known-user label of the ``Post`` row of the statement it is put in (correlated subqueries).

    A label matches the poster's name and address (its OS, when it names one, picks among several). A label
    that belongs to a staff member (``staff_id``) shows only on posts that staff member wrote: a name is
    typed by the poster and an address is shared by everyone behind it, so neither proves who posted. The
    staff member's own label comes first, then the exact OS, then the oldest label: one lookup for each in
    that order (SQLite cannot sort a subquery by the outer row's columns)."""
    matches = (KnownUser.name == Post.name, KnownUser.ip == Post.ip)
    same_os = KnownUser.os == Post.os
    own, shared = KnownUser.staff_id == Post.staff_id, KnownUser.staff_id.is_(None)
    return db.func.coalesce(*(
        db.select(KnownUser.label).where(*matches, *narrower).order_by(KnownUser.id).limit(1).scalar_subquery()
        for narrower in ((own, same_os), (own,), (shared, same_os), (shared,))))


@prepared
def _labels_of_posts():
    return db.select(Post.id, _known_label()).where(Post.id.in_(bindparam("ids", expanding=True)))


def topic_is_closed(topic: Topic) -> bool:
    return _is_closed(topic.closed, topic.forum.closed, topic.last_post_at)


def _is_closed(topic_closed: bool, forum_closed: bool, last_post_at: datetime) -> bool:
    """Closed by a moderator, in a closed forum, or without a reply for ``forum_close_after_days``."""
    if topic_closed or forum_closed:
        return True
    days = settings.get("forum_close_after_days")
    return bool(days) and utcnow() - last_post_at > timedelta(days=days)


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
