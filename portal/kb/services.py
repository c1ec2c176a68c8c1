"""Reading and voting on the knowledge books. Editing lives in ``kb.editing`` (staff)."""
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import gettext
from sqlalchemy import CursorResult, Integer, String, bindparam, func, literal_column, or_, union_all, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..database import prepared, rows
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..forums.models import Forum, Topic, topic_tag
from ..text import slugify
from .models import Book, Chapter, Page, PageAttachment, PageTranslation, PageVote, Tag, page_tag, related_page


@dataclass
class TocPage:
    page: Page
    number: str  # "1.2" in a numbered chapter, "2" in an appendix


@dataclass
class TocChapter:
    chapter: Chapter
    number: int | None  # None for an appendix
    pages: list[TocPage] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.number}. {self.chapter.name}" if self.number else f" {self.chapter.name}"


def public_books() -> list[Book]:
    return list(db.session.execute(
        db.select(Book).where(Book.private.is_(False)).order_by(Book.position, Book.name)).scalars())


def get_book(book_id: int, *, staff=None) -> Book:
    """A book a customer may read (staff see private books too). Raises NotFound or Forbidden."""
    book = db.session.get(Book, book_id)
    if book is None:
        raise NotFound(gettext("No such book."))
    if book.private and staff is None:
        raise Forbidden(gettext("This book is private."))
    return book


def get_chapter(chapter_id: int, *, staff=None) -> Chapter:
    """A chapter a customer may read. Raises NotFound (missing or hidden) or Forbidden (private book)."""
    chapter = db.session.execute(db.select(Chapter).where(Chapter.id == chapter_id)
                                 .options(selectinload(Chapter.book))).scalar_one_or_none()
    if chapter is None or (chapter.hidden and staff is None):
        raise NotFound(gettext("No such chapter."))
    get_book(chapter.book_id, staff=staff)
    return chapter


def table_of_contents(book: Book, *, include_hidden: bool = False) -> list[TocChapter]:
    """Chapters (appendices last) and their pages, numbered as HelpSpot numbers them.

    The pages' tags and related pages (with their chapter and book) come in the same few statements, so
    a caller that shows them (the API's ``kb.getBookTOC``) does not query once per page."""
    query = (db.select(Chapter).where(Chapter.book_id == book.id)
             .options(selectinload(Chapter.pages).selectinload(Page.tags),
                      selectinload(Chapter.pages).selectinload(Page.related).selectinload(Page.chapter)
                      .selectinload(Chapter.book))
             .order_by(Chapter.appendix, Chapter.position, Chapter.name))
    if not include_hidden:
        query = query.where(Chapter.hidden.is_(False))
    toc, number = [], 0
    for chapter in db.session.execute(query).scalars():
        if not chapter.appendix:
            number += 1
        entry = TocChapter(chapter, None if chapter.appendix else number)
        pages = [page for page in chapter.pages if include_hidden or (not page.hidden and page.listed)]
        for index, page in enumerate(pages, start=1):
            entry.pages.append(TocPage(page, f"{number}.{index}" if entry.number else str(index)))
        toc.append(entry)
    return toc


def page_number(page: Page, links: "PageLinks | None" = None) -> str:
    """The page's number as ``table_of_contents`` gives it ("1.2", or "2" in an appendix; "" when the table
    does not list it), from two columns of ids: the API's ``kb.getPage`` shows one number, and building
    the whole book's table (every page with its tags and related pages) for it cost more than the page.
    ``links``: the page's ``page_links(page, neighbours=True)``, whose chapter list it reuses."""
    chapter = page.chapter
    if chapter.hidden:
        return ""
    if links is not None and links.chapter_pages is not None:
        pages = [link.id for link in links.chapter_pages]
    else:
        pages = [page_id for page_id, _ in rows(_chapter_pages(), chapter_id=chapter.id)]
    if page.id not in pages:
        return ""
    index = pages.index(page.id) + 1
    if chapter.appendix:
        return str(index)
    chapters = [chapter_id for chapter_id, in rows(_numbered_chapters(), book_id=chapter.book_id)]
    return f"{chapters.index(chapter.id) + 1}.{index}"


@prepared
def _numbered_chapters():
    return (db.select(Chapter.id).where(Chapter.book_id == bindparam("book_id"), Chapter.hidden.is_(False),
                                        Chapter.appendix.is_(False)).order_by(Chapter.position, Chapter.name))


def get_page(page_id: int, *, staff=None) -> Page:
    """A page a customer may read. Raises NotFound (missing or hidden) or Forbidden (private book)."""
    # Four statements whatever the page: the page with its chapter and book (joined: one row each), its
    # tags, its files, and its related pages with their chapters and books.
    page = db.session.execute(
        db.select(Page).where(Page.id == page_id)
        .options(joinedload(Page.chapter).joinedload(Chapter.book), selectinload(Page.tags),
                 selectinload(Page.attachments),
                 selectinload(Page.related).joinedload(Page.chapter).joinedload(Chapter.book))
    ).scalar_one_or_none()
    return _readable(page, staff)


def read_page(page_id: int, *, staff=None) -> Page:
    """The page as the portal's page shows it: only the page with its chapter and book (one statement, one
    row each), as ``get_page`` decides who may read it. What it lists beside the text comes from
    ``page_links`` as plain rows."""
    page = db.session.execute(_page_with_book(), {"page_id": page_id}).scalar_one_or_none()
    return _readable(page, staff)


def read_page_in_languages(page_id: int, *, staff=None) -> tuple[Page, dict]:
    """``read_page`` and the page's translations by language (``translations.translations_of``), in one
    statement: the portal's page shows the text of one and links every other (hreflang)."""
    found = db.session.execute(_page_in_languages(), {"page_id": page_id}).all()
    page = _readable(found[0][0] if found else None, staff)
    translated: dict[str, PageTranslation] = {row.language: row for _, row in found if row is not None}
    return page, translated


@prepared
def _page_in_languages():
    return (db.select(Page, PageTranslation).outerjoin(PageTranslation, PageTranslation.page_id == Page.id)
            .where(Page.id == bindparam("page_id"))
            .options(joinedload(Page.chapter).joinedload(Chapter.book)))


@prepared
def _page_with_book():
    return db.select(Page).where(Page.id == bindparam("page_id")).options(joinedload(Page.chapter)
                                                                          .joinedload(Chapter.book))


def _readable(page: Page | None, staff) -> Page:
    if page is None:
        raise NotFound(gettext("No such page."))
    if staff is None:
        if page.chapter.book.private:
            raise Forbidden(gettext("This page is in a private book."))
        if page.hidden or page.chapter.hidden or not page.listed:  # drafts, private, link-only
            raise NotFound(gettext("No such page."))
    return page


@dataclass(frozen=True)
class TagLink:
    id: int
    name: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class FileLink:
    id: int
    filename: str
    size: int


@dataclass(frozen=True)
class RelatedLink:
    """A related page as the page's aside shows it: a link and where the page is (its book and chapter)."""

    id: int
    name: str
    chapter_name: str
    book_name: str
    book_id: int

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class PageLinks:
    tags: list[TagLink]
    downloads: list[FileLink]
    related: list[RelatedLink]
    previous: "PageLink | None" = None  # (with ``neighbours=True``)
    next: "PageLink | None" = None
    chapter_pages: "list[PageLink] | None" = None  # the chapter's visible pages, in order (``neighbours``)


def page_links(page: Page, *, neighbours: bool = False) -> PageLinks:
    """A page's tags, downloadable files and related pages a customer may open (as ``visible_related``), as
    plain rows of the columns the page shows, and with ``neighbours`` the previous and next visible pages of
    its chapter: all in one statement. ORM objects for them (with the related pages' chapters and books)
    cost about as much as the rest of the page, and each statement is a round trip to PostgreSQL."""
    tags, downloads, related, chapter = [], [], [], []
    statement = _page_aside_with_chapter() if neighbours else _page_aside()
    for kind, row_id, name, chapter_name, book_name, number, _ in rows(statement, page_id=page.id,
                                                                       chapter_id=page.chapter_id):
        if kind == "t":
            tags.append(TagLink(row_id, name))
        elif kind == "f":
            downloads.append(FileLink(row_id, name, number))
        elif kind == "r":
            related.append(RelatedLink(row_id, name, chapter_name, book_name, number))
        else:
            chapter.append(PageLink(row_id, name))
    previous, following = _around(chapter, page.id)
    return PageLinks(tags=tags, downloads=downloads, related=related, previous=previous, next=following,
                     chapter_pages=chapter if neighbours else None)


def _aside_parts():
    """The parts of a page's aside as one row shape: (kind, id, name, chapter, book, number, position),
    ordered within each kind as the page lists them (tags, files and related pages by name; the chapter's
    pages by position, then name)."""
    page_id, text, number = bindparam("page_id"), sql_cast(None, String), sql_cast(None, Integer)
    kind = lambda code: literal_column(f"'{code}'").label("kind")  # noqa: E731
    return [
        db.select(kind("t"), Tag.id.label("id"), Tag.name.label("name"), text.label("chapter"), text.label("book"),
                  number.label("number"), literal_column("0").label("position"))
        .join(page_tag, page_tag.c.tag_id == Tag.id).where(page_tag.c.page_id == page_id),
        db.select(kind("f"), PageAttachment.id, PageAttachment.filename, text, text, PageAttachment.size,
                  literal_column("0"))
        .where(PageAttachment.page_id == page_id, PageAttachment.downloadable.is_(True)),
        db.select(kind("r"), Page.id, Page.name, Chapter.name, Book.name, Book.id, literal_column("0"))
        .join(related_page, related_page.c.related_id == Page.id).join(Page.chapter).join(Chapter.book)
        .where(related_page.c.page_id == page_id, Page.status == "published", Page.visibility == "public",
               Chapter.hidden.is_(False), Book.private.is_(False)),
    ]


@prepared
def _page_aside():
    return union_all(*_aside_parts()).order_by("kind", "position", "name")


@prepared
def _page_aside_with_chapter():
    text, number = sql_cast(None, String), sql_cast(None, Integer)
    chapter = (db.select(literal_column("'n'"), Page.id, Page.name, text, text, number, Page.position)
               .where(Page.chapter_id == bindparam("chapter_id"), Page.status == "published",
                      Page.visibility == "public"))  # public: not hidden (private)
    return union_all(*_aside_parts(), chapter).order_by("kind", "position", "name")


def get_shared_page(token: str) -> Page:
    """A link-only page by its share token (published, whatever book or chapter it is in: the link is
    the permission). Raises NotFound."""
    page = db.session.execute(db.select(Page).where(Page.share_token == token, Page.visibility == "link_only")
                              .options(joinedload(Page.chapter).joinedload(Chapter.book))).scalar_one_or_none()
    if not token or page is None or page.status != "published":
        raise NotFound(gettext("This link does not work any more."))
    return page


def get_attachment(attachment_id: int, *, staff=None) -> PageAttachment:
    """A page's file, only when its page may be read. Raises NotFound or Forbidden (as ``get_page``)."""
    attachment = db.session.get(PageAttachment, attachment_id)
    if attachment is None:
        raise NotFound(gettext("No such file."))
    get_page(attachment.page_id, staff=staff)
    return attachment


def page_is_public(page_id: int) -> bool:
    """Whether anyone may read the page: not hidden, in a visible chapter of a public book."""
    return db.session.scalar(_visible_pages().where(Page.id == page_id).with_only_columns(func.count(Page.id))) > 0


def visible_related(page: Page) -> list[Page]:
    """Related pages a customer may open (not hidden, not in a hidden chapter or private book)."""
    return [other for other in page.related
            if not other.hidden and other.listed and not other.chapter.hidden and not other.chapter.book.private]


@dataclass(frozen=True)
class PageLink:
    """A page as a link to it shows it (previous and next): its id and title, no ORM object, no body."""

    id: int
    name: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


def neighbours(page: Page) -> tuple[PageLink | None, PageLink | None]:
    """The previous and next visible pages in the page's chapter. Two columns of the chapter's pages, as
    plain rows: building ORM objects for them cost more than the rest of the statement."""
    return _around([PageLink(page_id, name) for page_id, name in rows(_chapter_pages(), chapter_id=page.chapter_id)],
                   page.id)


def _around(pages: list[PageLink], page_id: int) -> tuple[PageLink | None, PageLink | None]:
    index = next((i for i, p in enumerate(pages) if p.id == page_id), None)
    if index is None:
        return None, None
    return (pages[index - 1] if index > 0 else None), (pages[index + 1] if index + 1 < len(pages) else None)


@prepared
def _chapter_pages():
    return (db.select(Page.id, Page.name).where(Page.chapter_id == bindparam("chapter_id"),
                                                Page.status == "published",
                                                Page.visibility == "public")  # public: not hidden (private)
            .order_by(Page.position, Page.name))


def _visible_pages():
    return (db.select(Page).join(Page.chapter).join(Chapter.book)
            .where(Page.hidden.is_(False), Chapter.hidden.is_(False), Book.private.is_(False),
                   Page.status == "published", Page.visibility == "public"))


def listed_translations(codes: list[str]) -> list[tuple[int, str, str]]:
    """(page id, language, slug) of every translation, in the site's languages, of a page customers may
    find: the sitemap."""
    from .models import PageTranslation

    query = (_visible_pages().join(PageTranslation, PageTranslation.page_id == Page.id)
             .where(PageTranslation.language.in_(codes))
             .with_only_columns(Page.id, PageTranslation.language, PageTranslation.slug)
             .order_by(Page.id, PageTranslation.language))
    return [(page_id, code, slug) for page_id, code, slug in db.session.execute(query)]


def highlighted_pages(limit: int = 10) -> list[Page]:
    # "= true", not "IS true": the partial index ix_page_highlighted is declared with that predicate.
    query = (_visible_pages().where(Page.highlight == True)  # noqa: E712
             .options(contains_eager(Page.chapter).contains_eager(Chapter.book)).order_by(Page.name).limit(limit))
    return list(db.session.execute(query).scalars())


def most_helpful_pages(limit: int = 10) -> list[Page]:
    query = (_visible_pages().where(Page.helpful > 0)
             .options(contains_eager(Page.chapter).contains_eager(Chapter.book))
             .order_by(Page.helpful.desc(), Page.name).limit(limit))
    return list(db.session.execute(query).scalars())


def tag_cloud(limit: int = 50) -> list[tuple[Tag, int]]:
    """Tags on visible pages of public books with their page counts, alphabetical.

    Counted over page_tag grouped by tag id first, then joined to the tags: grouping on the tag table
    made SQLite walk every page once per tag (about a second at 5,000 pages). This still reads every
    visible page's tags, so the home page caches it (``portal.cache``)."""
    count = func.count(page_tag.c.page_id).label("pages")
    counts = (db.select(page_tag.c.tag_id, count)
              .join(Page, Page.id == page_tag.c.page_id).join(Chapter, Chapter.id == Page.chapter_id)
              .join(Book, Book.id == Chapter.book_id)
              .where(Page.hidden.is_(False), Chapter.hidden.is_(False), Book.private.is_(False),
                     Page.status == "published", Page.visibility == "public")
              .group_by(page_tag.c.tag_id).order_by(count.desc(), page_tag.c.tag_id).limit(limit).subquery())
    query = db.select(Tag, counts.c.pages).join(counts, counts.c.tag_id == Tag.id)
    rows = db.session.execute(query).all()
    return sorted(((tag, n) for tag, n in rows), key=lambda row: row[0].name.lower())


def pages_for_tag(tag: Tag) -> list[Page]:
    query = (_visible_pages().join(page_tag, page_tag.c.page_id == Page.id).where(page_tag.c.tag_id == tag.id)
             .options(contains_eager(Page.chapter).contains_eager(Chapter.book)).order_by(Page.name))
    return list(db.session.execute(query).scalars())


def _tag_is_visible(tag_id):
    """Whether customers may see the tag ``tag_id`` (a column or value): it is on a visible page, or on a
    visible topic of a public forum. A tag used only on hidden pages, in hidden chapters or private books,
    or on private or held topics is not shown to customers at all: its name is as private as what it labels.

    Two correlated EXISTS, each stopping at its first row through page_tag's and topic_tag's tag_id
    indexes: an ``IN`` over every visible page's and topic's tags read the whole knowledge base and forums
    for each search (2 ms of a 6 ms search page at 5,000 pages and 10,000 topics)."""
    on_page = (db.select(page_tag.c.page_id).join(Page, Page.id == page_tag.c.page_id)
               .join(Chapter, Chapter.id == Page.chapter_id).join(Book, Book.id == Chapter.book_id)
               .where(page_tag.c.tag_id == tag_id, Page.hidden.is_(False), Chapter.hidden.is_(False),
                      Book.private.is_(False), Page.status == "published", Page.visibility == "public"))
    on_topic = (db.select(topic_tag.c.topic_id).join(Topic, Topic.id == topic_tag.c.topic_id)
                .join(Forum, Forum.id == Topic.forum_id)
                .where(topic_tag.c.tag_id == tag_id, Forum.private.is_(False), Topic.post_count > 0))
    return or_(on_page.exists(), on_topic.exists())


def get_tag(tag_id: int, *, staff=None) -> Tag:
    """A tag, for customers only when something they may see carries it. Raises NotFound."""
    tag = db.session.get(Tag, tag_id)
    if tag is None or (staff is None and not db.session.scalar(db.select(_tag_is_visible(tag_id)))):
        raise NotFound(gettext("No such tag."))
    return tag


@prepared
def _tags_named():
    # lower(name) is indexed (ix_tag_name_lower): the lookup reads the named tags only.
    return (db.select(Tag.id, Tag.name)
            .where(func.lower(Tag.name).in_(bindparam("names", expanding=True)), _tag_is_visible(Tag.id))
            .order_by(Tag.name).limit(bindparam("limit")))


def tags_named(words: list[str], limit: int = 10) -> list[TagLink]:
    """Tags customers may see whose name is one of the words (case-insensitive): the search page's
    "related tags"."""
    names = sorted({word.lower() for word in words if word})
    if not names:
        return []
    return [TagLink(tag_id, name) for tag_id, name in rows(_tags_named(), names=names, limit=limit)]


def count_vote(page_id: int, helpful: bool) -> int | None:
    """Add one vote with an atomic UPDATE (no lost votes under concurrency); the new count, or None
    when the page does not exist. This is the API's rule: no duplicate check."""
    column = Page.helpful if helpful else Page.not_helpful
    # An UPDATE answers a CursorResult (with rowcount); Session.execute is typed for any statement.
    result = cast(CursorResult[Any], db.session.execute(update(Page).where(Page.id == page_id)
                                                        .values({column: column + 1})))
    if result.rowcount == 0:
        return None
    return db.session.scalar(db.select(column).where(Page.id == page_id))


def vote(page: Page, helpful: bool, voter: str) -> bool:
    """One vote per page per browser (``voter`` is the browser's id). Returns False for a repeat vote."""
    try:
        with db.session.begin_nested():
            db.session.add(PageVote(page_id=page.id, voter=voter, helpful=helpful))
    except IntegrityError:
        return False
    count_vote(page.id, helpful)
    db.session.expire(page, ["helpful", "not_helpful"])
    return True


def has_voted(page_id: int, voter: str | None) -> bool:
    if not voter:
        return False
    return db.session.scalar(db.select(func.count(PageVote.id))
                             .where(PageVote.page_id == page_id, PageVote.voter == voter)) > 0
