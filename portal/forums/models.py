"""Forums > topics > posts, moderators, and known-user labels."""
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model, db
from ..text import slugify

forum_moderator = Table(
    "forum_moderator", db.metadata,
    Column("forum_id", ForeignKey("forum.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True),
)

topic_tag = Table(
    "topic_tag", db.metadata,
    Column("topic_id", ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Forum(Model):
    __tablename__ = "forum"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(String(255), default="")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    moderators = relationship("Staff", secondary=forum_moderator, order_by="Staff.first_name")
    topics: Mapped[list["Topic"]] = relationship(back_populates="forum", cascade="all, delete-orphan",
                                                 lazy="dynamic")

    __table_args__ = (Index("ix_forum_listing", "private", "position"),)

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Topic(Model):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forum.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    starter_name: Mapped[str] = mapped_column(String(50))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    sticky: Mapped[bool] = mapped_column(Boolean, default=False)
    posted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Kept up to date by the forum services so topic lists never count or sort per row.
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    forum: Mapped[Forum] = relationship(back_populates="topics")
    posts: Mapped[list["Post"]] = relationship(back_populates="topic", cascade="all, delete-orphan",
                                               order_by="Post.id", lazy="dynamic")
    tags = relationship("Tag", secondary=topic_tag, order_by="Tag.name")

    __table_args__ = (
        Index("ix_topic_listing", "forum_id", "sticky", "last_post_at"),
        Index("ix_topic_posted_at", "posted_at"),
        Index("ix_topic_last_post_at", "last_post_at"),  # the home page's latest topics across forums
    )

    @property
    def slug(self) -> str:
        return slugify(self.title)


class Post(Model):
    __tablename__ = "post"
    change_owner: ClassVar = ("topic", "topic_id")  # portal.changes: a post changes its topic

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    posted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    spam: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    spam_probability: Mapped[int] = mapped_column(Integer, default=0)
    # What the poster asked for. Mail goes only to a confirmed Subscription (forums.subscriptions).
    email_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(255), default="")
    url: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    os: Mapped[str] = mapped_column(String(20), default="")
    browser: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text)  # cleaned HTML

    topic: Mapped[Topic] = relationship(back_populates="posts")
    staff = relationship("Staff")

    __table_args__ = (
        Index("ix_post_topic", "topic_id", "spam", "id"),
        Index("ix_post_posted_at", "posted_at"),
    )


class Subscription(Model):
    """An address that asked for a topic's replies by email: pending until the address confirms it with the
    link mailed to it, so a stranger cannot have the help desk mail posts to someone else's address.
    Unsubscribing keeps the row (confirmed_at emptied): asked_at still counts against the confirmation limits."""

    __tablename__ = "topic_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(255))
    asked_at: Mapped[datetime] = mapped_column(DateTime)  # when the last confirmation mail was sent
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    topic: Mapped[Topic] = relationship()

    __table_args__ = (
        UniqueConstraint("topic_id", "email"),  # one subscription, so one pending confirmation, per topic
        Index("ix_topic_subscription_email", "email", "asked_at"),  # the daily cap per address
    )


class KnownUser(Model):
    """A label (for example "Expert User") shown beside a poster matched by name, IP and OS."""

    __tablename__ = "known_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50))
    ip: Mapped[str] = mapped_column(String(45), default="")
    os: Mapped[str] = mapped_column(String(20), default="")
    label: Mapped[str] = mapped_column(String(50))

    __table_args__ = (Index("ix_known_user_match", "ip", "name", "os"),)


DEFAULT_KNOWN_USER_LABELS = ("Help Desk Team Member", "Customer", "Expert User", "Moderator")
