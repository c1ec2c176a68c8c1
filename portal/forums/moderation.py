"""Moderating the forums (staff): forums, topic states, moving and deleting, editing posts, the spam
queue, known-user labels, and turning a post into a request. Needs the ``forums`` right; what is in one
forum (its topics and posts) only its own moderators and administrators may change (``require_forum``).

Forums keep no history table, so every change is logged at INFO with the acting staff id.
``Topic.post_count`` counts visible posts; every change here keeps it exact. Flushes, never commits.
"""
import logging
from dataclasses import dataclass, field

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, update
from sqlalchemy.orm import selectinload

from .. import limits
from ..accounts.models import Staff
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..requests.models import VIA_FORUM
from ..requests.services import RequestInput, add_log, create_request
from ..text import clean_html, single_line
from ..webhooks import events as webhook_events
from .models import DEFAULT_KNOWN_USER_LABELS, Forum, KnownUser, Post, Topic, forum_moderator
from .services import count_visible_post
from .subscriptions import ask as ask_for_replies

log = logging.getLogger(__name__)


def require(staff) -> None:
    if staff is None or not staff.can("forums"):
        raise Forbidden()


def moderates(staff, forum: Forum) -> bool:
    """Administrators moderate every forum; other staff with the ``forums`` right only the forums that
    list them as moderators."""
    if staff is None or not staff.can("forums"):
        return False
    return staff.can("admin") or any(person.id == staff.id for person in forum.moderators)


def require_forum(staff, forum: Forum) -> None:
    """Raises Forbidden unless ``staff`` moderates ``forum``."""
    if not moderates(staff, forum):
        raise Forbidden(gettext("Only this forum's moderators and administrators may moderate it."))


def moderated_forum_ids(staff) -> set[int] | None:
    """The forums a staff member moderates; None for all (administrators)."""
    require(staff)
    if staff.can("admin"):
        return None
    return set(db.session.execute(db.select(forum_moderator.c.forum_id)
                                  .where(forum_moderator.c.staff_id == staff.id)).scalars())


def _record(staff, action: str, **details) -> None:
    extra = " ".join(f"{key}={value}" for key, value in details.items())
    log.info("forum moderation by staff=%s: %s %s", staff.id, action, extra)


def get(model, ident: int):
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


# --- forums ------------------------------------------------------------------------------------

@dataclass
class ForumInput:
    name: str = ""
    description: str = ""
    private: bool = False
    closed: bool = False
    position: int = 0
    moderator_ids: list[int] = field(default_factory=list)


def save_forum(staff, data: ForumInput, forum: Forum | None = None) -> Forum:
    """Create or update a forum and its moderators: administrators create forums and choose moderators; a
    forum's own moderators may change its other settings. Raises Forbidden, ValidationFailed."""
    require(staff)
    if forum is None and not staff.can("admin"):
        raise Forbidden(gettext("Only administrators create forums."))
    if forum is not None:
        require_forum(staff, forum)
        if not staff.can("admin") and set(data.moderator_ids) != {person.id for person in forum.moderators}:
            raise Forbidden(gettext("Only administrators choose a forum's moderators."))
    name = single_line(data.name)[:255]
    if not name:
        raise ValidationFailed(("name", gettext("Give the forum a name.")))
    moderators = list(db.session.execute(db.select(Staff).where(Staff.id.in_(data.moderator_ids))).scalars()) \
        if data.moderator_ids else []
    if len(moderators) != len(set(data.moderator_ids)):
        raise ValidationFailed(("moderators", gettext("One of the chosen moderators no longer exists.")))
    if forum is None:
        forum = Forum()
        db.session.add(forum)
    forum.name, forum.description = name, single_line(data.description)[:255]
    forum.private, forum.closed, forum.position = bool(data.private), bool(data.closed), data.position
    forum.moderators = moderators
    db.session.flush()
    _record(staff, "saved forum", forum=forum.id, private=forum.private, closed=forum.closed)
    return forum


# --- topics ------------------------------------------------------------------------------------

def set_topic_state(staff, topic: Topic, *, closed: bool | None = None, sticky: bool | None = None) -> None:
    require_forum(staff, topic.forum)
    if closed is not None:
        topic.closed = bool(closed)
        _record(staff, "closed topic" if closed else "reopened topic", topic=topic.id)
    if sticky is not None:
        topic.sticky = bool(sticky)
        _record(staff, "made topic sticky" if sticky else "unstuck topic", topic=topic.id)
    db.session.flush()


def move_topic(staff, topic: Topic, forum: Forum) -> None:
    """Move a topic: its moderator must moderate the forum it goes to as well."""
    require_forum(staff, topic.forum)
    require_forum(staff, forum)
    if forum.id != topic.forum_id:
        _record(staff, "moved topic", topic=topic.id, from_forum=topic.forum_id, to_forum=forum.id)
        topic.forum = forum
        db.session.flush()


def delete_topic(staff, topic: Topic) -> None:
    require_forum(staff, topic.forum)
    _record(staff, "deleted topic", topic=topic.id, forum=topic.forum_id, title=repr(topic.title))
    db.session.delete(topic)
    db.session.flush()


# --- posts -------------------------------------------------------------------------------------

def edit_post(staff, post: Post, body: str) -> Post:
    """Replace a post's text (cleaned HTML). Raises Forbidden, ValidationFailed."""
    require_forum(staff, post.topic.forum)
    if not (body or "").strip():
        raise ValidationFailed(("body", gettext("A post cannot be empty. Delete it instead.")))
    limits.check(body, "body", staff=True, label=lazy_gettext("The post"))
    post.body = clean_html(body)
    db.session.flush()
    _record(staff, "edited post", post=post.id, topic=post.topic_id)
    return post


def recount(topic: Topic) -> None:
    """Set the topic's post count and last activity from its visible posts, in one UPDATE."""
    visible = db.select(Post).where(Post.topic_id == topic.id, Post.spam.is_(False))
    db.session.execute(update(Topic).where(Topic.id == topic.id).values(
        post_count=visible.with_only_columns(func.count(Post.id)).scalar_subquery(),
        last_post_at=func.coalesce(visible.with_only_columns(func.max(Post.posted_at)).scalar_subquery(),
                                   Topic.posted_at)))
    db.session.expire(topic, ["post_count", "last_post_at"])


def delete_post(staff, post: Post, *, as_spam: bool = False) -> None:
    """Delete one post. The only visible post of a topic cannot go alone: delete the topic instead
    (raises Conflict). A held post that was its topic's last post takes the empty topic with it."""
    require_forum(staff, post.topic.forum)
    topic = post.topic
    if not post.spam and topic.post_count <= 1:
        raise Conflict(gettext("This is the only post of its topic: delete the topic instead."))
    _record(staff, "deleted post as spam" if as_spam else "deleted post", post=post.id, topic=topic.id,
            name=repr(post.name), ip=post.ip)
    db.session.delete(post)
    db.session.flush()
    if db.session.scalar(db.select(func.count(Post.id)).where(Post.topic_id == topic.id)) == 0:
        db.session.delete(topic)
        db.session.flush()
    else:
        recount(topic)


def _in_forums(query, forum_ids: set[int] | None):
    if forum_ids is None:
        return query
    return query.where(Post.topic_id.in_(db.select(Topic.id).where(Topic.forum_id.in_(sorted(forum_ids)))))


def held_posts(staff=None) -> list[Post]:
    """The spam queue: posts held as spam, newest first, with their topic and forum (with ``staff``: only
    in the forums they moderate)."""
    query = (db.select(Post).where(Post.spam.is_(True))
             .options(selectinload(Post.topic).selectinload(Topic.forum)).order_by(Post.id.desc()))
    if staff is not None:
        query = _in_forums(query, moderated_forum_ids(staff))
    return list(db.session.execute(query).scalars())


def _held(staff, ids: list[int]) -> list[Post]:
    """Held posts among ``ids`` in forums the staff member moderates (others are left alone)."""
    if not ids:
        return []
    query = db.select(Post).where(Post.id.in_(ids), Post.spam.is_(True)).options(selectinload(Post.topic))
    return list(db.session.execute(_in_forums(query, moderated_forum_ids(staff))).scalars())


def approve_posts(staff, ids: list[int]) -> int:
    """Publish held posts; each one counts on its topic (a held first post makes its topic appear)."""
    require(staff)
    posts = _held(staff, ids)
    for post in posts:
        post.spam, post.spam_probability = False, 0
        db.session.flush()
        count_visible_post(post.topic, post)
        if post.email_updates:  # held, it asked nobody; now a moderator vouched for it
            ask_for_replies(post.topic, post.email)
        _record(staff, "approved held post", post=post.id, topic=post.topic_id)
        webhook_events.post_approved(post.topic, post)
    return len(posts)


def delete_held(staff, ids: list[int]) -> int:
    """Delete held posts in a batch; topics left without any post go too."""
    require(staff)
    posts = _held(staff, ids)
    for post in posts:
        delete_post(staff, post, as_spam=True)
    return len(posts)


def post_to_request(staff, post: Post):
    """Open a request from a forum post (opened via Forum), with the post as its first note."""
    require_forum(staff, post.topic.forum)
    topic = post.topic
    data = RequestInput(note=post.body, note_is_html=True, first_name=post.name[:40], email=post.email,
                        title=topic.title[:255], opened_via=VIA_FORUM)
    req = create_request(data, staff=staff, public_only=False, check_spam=False, skip_custom_checks=True)
    add_log(req, f"Created from forum post {post.id} in topic {topic.id} ({topic.title})", staff)
    db.session.flush()
    _record(staff, "turned post into request", post=post.id, topic=topic.id, request=req.id)
    return req


# --- known users and listings ------------------------------------------------------------------

def save_known_user(staff, *, name: str, label: str, ip: str = "", os: str = "",
                    known_staff_id: int | None = None) -> KnownUser:
    """Label a poster (matched by name and IP, and OS when given). Raises Forbidden, ValidationFailed."""
    require(staff)
    name, label = single_line(name)[:50], single_line(label)[:50]
    errors = []
    if not name:
        errors.append(("name", gettext("Give the poster's name as they post it.")))
    if not label:
        errors.append(("label", gettext("Choose a label, such as %(label)s.",
                                                    label=DEFAULT_KNOWN_USER_LABELS[2])))
    if errors:
        raise ValidationFailed(errors)
    known = KnownUser(name=name, label=label, ip=(ip or "").strip()[:45], os=(os or "").strip()[:20],
                      staff_id=known_staff_id)
    db.session.add(known)
    db.session.flush()
    _record(staff, "labelled poster", name=repr(name), label=repr(label))
    return known


def delete_known_user(staff, known: KnownUser) -> None:
    require(staff)
    _record(staff, "removed poster label", name=repr(known.name), label=repr(known.label))
    db.session.delete(known)
    db.session.flush()


def newest_topics(limit: int = 20) -> list[Topic]:
    """Newest topics in every forum, private ones included (staff)."""
    query = (db.select(Topic).where(Topic.post_count > 0).options(selectinload(Topic.forum))
             .order_by(Topic.posted_at.desc(), Topic.id.desc()).limit(limit))
    return list(db.session.execute(query).scalars())


def newest_posts(limit: int = 20) -> list[Post]:
    query = (db.select(Post).where(Post.spam.is_(False))
             .options(selectinload(Post.topic).selectinload(Topic.forum))
             .order_by(Post.posted_at.desc(), Post.id.desc()).limit(limit))
    return list(db.session.execute(query).scalars())
