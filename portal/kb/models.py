"""Knowledge books: books > chapters > pages, tags, related pages, page attachments, votes."""
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model, db
from ..text import slugify

page_tag = Table(
    "page_tag", db.metadata,
    Column("page_id", ForeignKey("page.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

related_page = Table(
    "related_page", db.metadata,
    Column("page_id", ForeignKey("page.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", ForeignKey("page.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# The staff who may edit a book besides administrators (portal.kb.editing.require_book).
book_editor = Table(
    "book_editor", db.metadata,
    Column("book_id", ForeignKey("book.id", ondelete="CASCADE"), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Book(Model):
    __tablename__ = "book"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    chapters: Mapped[list["Chapter"]] = relationship(
        back_populates="book", cascade="all, delete-orphan",
        order_by="(Chapter.appendix, Chapter.position, Chapter.name)")
    editors = relationship("Staff", secondary=book_editor, order_by="Staff.first_name")

    __table_args__ = (Index("ix_book_listing", "private", "position"),)

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Chapter(Model):
    __tablename__ = "chapter"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    appendix: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    book: Mapped[Book] = relationship(back_populates="chapters")
    pages: Mapped[list["Page"]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan", order_by="(Page.position, Page.name)")

    __table_args__ = (Index("ix_chapter_book", "book_id", "appendix", "position"),)

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Tag(Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    @staticmethod
    def changed_with_deletion(session, tag) -> dict[str, list[int]]:
        """portal.changes: once a tag is gone its page_tag rows are too; its pages change with it."""
        if tag.id is None:
            return {}
        with session.no_autoflush:
            return {"page": list(session.scalars(select(page_tag.c.page_id).where(page_tag.c.tag_id == tag.id)))}

    @property
    def slug(self) -> str:
        return slugify(self.name)


# Tags are matched by name whatever the case (the search page's related tags, the editor's tag list).
Index("ix_tag_name_lower", func.lower(Tag.__table__.c.name))


class Page(Model):
    __tablename__ = "page"

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")  # cleaned HTML
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    position: Mapped[int] = mapped_column(Integer, default=0)
    highlight: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    helpful: Mapped[int] = mapped_column(Integer, default=0, index=True)
    not_helpful: Mapped[int] = mapped_column(Integer, default=0)
    # draft pages are staff-only (with a preview); visibility: public, private (staff only) or link_only
    # (read only through /kb/share/<share_token>: never listed, searched, fed or put in the sitemap)
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")
    visibility: Mapped[str] = mapped_column(String(10), default="public", server_default="public")
    share_token: Mapped[str | None] = mapped_column(String(43), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # HelpCenter.io imports

    chapter: Mapped[Chapter] = relationship(back_populates="pages")
    tags: Mapped[list[Tag]] = relationship(secondary=page_tag, order_by=Tag.name)
    related: Mapped[list["Page"]] = relationship(
        secondary=related_page,
        primaryjoin=lambda: Page.id == related_page.c.page_id,
        secondaryjoin=lambda: Page.id == related_page.c.related_id,
        order_by=lambda: Page.name)
    attachments: Mapped[list["PageAttachment"]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="PageAttachment.filename")

    __table_args__ = (
        Index("ix_page_chapter", "chapter_id", "position"),
        # The home page's "highlighted pages" in name order: a few rows out of thousands, so a partial
        # index lets the planner start from them instead of walking every book, chapter and page.
        Index("ix_page_highlighted", "name", sqlite_where=text("highlight = 1"),
              postgresql_where=text("highlight")),
        Index("ix_page_listed", "status", "visibility"),
    )

    @property
    def listed(self) -> bool:
        """Published and public: what customers may find in lists, search, feeds and the sitemap."""
        return self.status == "published" and self.visibility == "public"

    # A page once had its own "hidden" flag beside ``visibility``; kbtrans_0010 folded it into visibility
    # (hidden -> private). ``hidden`` stays as a name for "private" only, because the staff form's checkbox,
    # DeskPRO's ``hidden`` status and older callers speak of it: reading it is ``visibility == "private"``,
    # setting it makes the page private, clearing it makes a private page public (a link-only page stays
    # link-only). Queries may use ``Page.hidden`` too; it is the same column.
    @hybrid_property
    def hidden(self) -> bool:
        return self.visibility == "private"

    @hidden.inplace.setter
    def _hidden_set(self, value: bool) -> None:
        if value:
            self.visibility = "private"
        elif self.visibility == "private":
            self.visibility = "public"

    @hidden.inplace.expression
    @classmethod
    def _hidden_expression(cls):
        return cls.visibility == "private"

    # A bulk ``update(Page).values(hidden=...)`` follows the setter's rule in SQL: without this, SQLAlchemy
    # wrote the comparison itself into the column (``visibility = (visibility = 'private') = 1``): an error on
    # PostgreSQL and, silently, a 0 or 1 in ``visibility`` on SQLite.
    @hidden.inplace.update_expression
    @classmethod
    def _hidden_update(cls, value: Any) -> list[tuple[Any, Any]]:
        if value:
            return [(cls.visibility, "private")]
        return [(cls.visibility, case((cls.visibility == "private", "public"), else_=cls.visibility))]

    @property
    def slug(self) -> str:
        return slugify(self.name)


class PageAttachment(Model):
    __tablename__ = "page_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    downloadable: Mapped[bool] = mapped_column(Boolean, default=True)  # False: an inline image
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    page: Mapped[Page] = relationship(back_populates="attachments")


class PageVote(Model):
    """One browser's vote on a page, so the portal counts a browser once (the API keeps HelpSpot's counters)."""

    __tablename__ = "page_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("page_id", "voter", name="uq_page_vote_page_voter"),)


class PageTranslation(Model):
    """A page in one language. ``Page.name``/``Page.body`` mirror the default language's translation, so
    readers that know one language (HelpSpot's ``kb.*``, the search index) keep working."""

    __tablename__ = "page_translation"
    change_owner: ClassVar = ("page", "page_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")  # cleaned HTML
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("page_id", "language", name="uq_page_translation_page_language"),
        UniqueConstraint("language", "slug", name="uq_page_translation_language_slug"),
    )


class BookTranslation(Model):
    __tablename__ = "book_translation"
    change_owner: ClassVar = ("book", "book_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("book_id", "language", name="uq_book_translation_book_language"),)


class ChapterTranslation(Model):
    __tablename__ = "chapter_translation"
    change_owner: ClassVar = ("chapter", "chapter_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("chapter_id", "language", name="uq_chapter_translation_chapter_language"),)


class PageRevision(Model):
    """One save of one language of a page: who, when, what changed, and the text as saved (to compare
    and restore)."""

    __tablename__ = "page_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    change: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="published")
    visibility: Mapped[str] = mapped_column(String(10), default="public")

    __table_args__ = (Index("ix_page_revision_page", "page_id", "created_at"),)
