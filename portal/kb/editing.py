"""Writing the knowledge books (staff): books, chapters, pages, their order, tags, related pages,
attachments, highlights and helpful counts. Needs the ``kb`` right (raises Forbidden); what is inside a
book only its editors and administrators may change (``require_book``); administrators create, order and
staff books.

Page bodies are cleaned with ``clean_html`` on every save, so what is stored is always safe to show.
Functions flush, never commit.
"""
import logging
from dataclasses import dataclass, field

from flask_babel import gettext, lazy_gettext
from sqlalchemy import delete as sql_delete

from .. import files as filestore
from .. import limits
from ..dates import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..text import clean_html, single_line, without_controls
from ..webhooks import events as webhook_events
from . import languages, revisions, translations
from .models import Book, Chapter, Page, PageAttachment, PageVote, Tag

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 2000  # characters of a book's plain-text description


def require(staff) -> None:
    if staff is None or not staff.can("kb"):
        raise Forbidden()


def edits(staff, book: Book) -> bool:
    """Administrators edit every book; other staff with the ``kb`` right only the books listing them."""
    if staff is None or not staff.can("kb"):
        return False
    return staff.can("admin") or any(person.id == staff.id for person in book.editors)


def require_book(staff, book: Book) -> None:
    if not edits(staff, book):
        raise Forbidden(gettext("Only this book's editors and administrators may edit it."))


def _book_of(item) -> Book | None:
    if isinstance(item, Book):
        return item
    if isinstance(item, Chapter):
        return item.book
    if isinstance(item, Page):
        return item.chapter.book
    if isinstance(item, PageAttachment):
        return item.page.chapter.book
    return None


def require_item(staff, item) -> None:
    """Editing inside a book: its editors or administrators. A whole book (delete, order): administrators."""
    require(staff)
    book = _book_of(item)
    if isinstance(item, Book) or book is None:
        if not staff.can("admin"):
            raise Forbidden(gettext("Only administrators add, remove or order books."))
        return
    require_book(staff, book)


def set_editors(staff, book: Book, editor_ids: list[int]) -> None:
    """An administrator chooses a book's editors. Raises Forbidden, ValidationFailed."""
    from ..accounts.models import Staff

    if staff is None or not staff.can("admin"):
        raise Forbidden(gettext("Only administrators choose a book's editors."))
    wanted = set(editor_ids)
    people = list(db.session.execute(db.select(Staff).where(Staff.id.in_(wanted))).scalars()) if wanted else []
    if len(people) != len(wanted) or not all(person.can("kb") for person in people):
        raise ValidationFailed(("editors", gettext("Editors must be staff members who may write the knowledge books.")))
    book.editors = people
    db.session.flush()


def get(model, ident: int):
    """A book, chapter, page or page attachment by id. Raises NotFound."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


def _name(raw: str) -> str:
    name = single_line(raw)[:255]
    if not name:
        raise ValidationFailed(("name", gettext("Please give it a name.")))
    return name


def save_book(staff, *, name: str, description: str = "", private: bool = False, book: Book | None = None) -> Book:
    """Create (placed last; administrators only) or update a book (its editors too). Raises Forbidden,
    ValidationFailed."""
    require(staff)
    if book is None and not staff.can("admin"):
        raise Forbidden(gettext("Only administrators create books."))
    if book is not None:
        require_book(staff, book)
    name = _name(name)
    description = without_controls(description).strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(("description", gettext(
            "Keep the description under %(max)s characters: it is shown on the book's pages.",
            max=f"{MAX_DESCRIPTION:,}")))
    if book is None:
        last = db.session.scalar(db.select(db.func.max(Book.position))) or 0
        book = Book(position=last + 1)
        db.session.add(book)
    book.name, book.description, book.private = name, description, bool(private)
    db.session.flush()
    translations.set_book_name(book, languages.default(), name=name, description=description)
    return book


def save_chapter(staff, book: Book, *, name: str, appendix: bool = False, hidden: bool = False,
                 chapter: Chapter | None = None) -> Chapter:
    require_book(staff, book)
    name = _name(name)
    if chapter is None:
        last = db.session.scalar(db.select(db.func.max(Chapter.position)).where(Chapter.book_id == book.id)) or 0
        chapter = Chapter(book=book, position=last + 1)
        db.session.add(chapter)
    chapter.name, chapter.appendix, chapter.hidden = name, bool(appendix), bool(hidden)
    db.session.flush()
    translations.set_chapter_name(chapter, languages.default(), name=name)
    return chapter


@dataclass
class PageInput:
    name: str = ""
    body: str = ""
    hidden: bool = False  # private (Page.hidden): the staff form's "hidden from customers", DeskPRO's hidden
    highlight: bool = False
    tags: list[str] = field(default_factory=list)
    related_ids: list[int] = field(default_factory=list)
    chapter_id: int | None = None  # to move the page to another chapter
    slug: str = ""  # the default language's slug ("": kept, or made from the title for a new page)
    status: str | None = None  # draft or published (None: kept; a new page is published)
    visibility: str | None = None  # public, private or link_only (None: kept; a new page is public)


def _tags(names: list[str]) -> list[Tag]:
    wanted = list(dict.fromkeys(single_line(n)[:100] for n in names if single_line(n)))
    if not wanted:
        return []
    found = {t.name.lower(): t for t in db.session.execute(
        db.select(Tag).where(db.func.lower(Tag.name).in_([n.lower() for n in wanted]))).scalars()}
    tags = []
    for name in wanted:
        tag = found.get(name.lower())
        if tag is None:
            tag = found[name.lower()] = Tag(name=name)
            db.session.add(tag)
        if tag not in tags:
            tags.append(tag)
    return tags


def save_page(staff, chapter: Chapter, data: PageInput, page: Page | None = None) -> Page:
    """Create or update a page in the default language: cleaned HTML body, tags (created as needed),
    related pages, status and visibility; keeps a revision when something changed.
    Raises Forbidden, ValidationFailed."""
    require_book(staff, chapter.book)
    if page is not None:
        require_book(staff, page.chapter.book)
    name = _name(data.name)
    limits.check(data.body, "body", staff=True, label=lazy_gettext("The page"))
    if data.chapter_id and data.chapter_id != chapter.id:
        chapter = get(Chapter, data.chapter_id)
        require_book(staff, chapter.book)  # moved: the book it goes to must be the editor's too
    was_visible = page is not None and not page.hidden and page.listed
    created = page is None
    if page is None:
        last = db.session.scalar(db.select(db.func.max(Page.position)).where(Page.chapter_id == chapter.id)) or 0
        page = Page(position=last + 1, created_by_id=staff.id, created_at=utcnow())
        db.session.add(page)
    page.chapter = chapter
    page.name, page.body = name, clean_html(data.body)
    page.highlight = bool(data.highlight)
    page.updated_by_id, page.updated_at = staff.id, utcnow()
    page.tags = _tags(data.tags)
    ids = [i for i in dict.fromkeys(data.related_ids) if i != page.id]
    page.related = list(db.session.execute(db.select(Page).where(Page.id.in_(ids))).scalars()) if ids else []
    # "hidden" is the private visibility (Page.hidden): ticked, the page is private; cleared, a private page
    # becomes public and a link-only one stays so. A visibility named outright wins.
    visibility = data.visibility or ("private" if data.hidden else
                                     "public" if created or page.visibility == "private" else None)
    published = revisions.set_publication(page, status=data.status or ("published" if created else None),
                                          visibility=visibility)
    db.session.flush()
    default = languages.default()
    saved = translations.set_translation(page, default, title=name, body=data.body, slug=data.slug or None)
    change = "created" if created else ", ".join(saved.changed + published)
    if change:
        revisions.record(page, staff, default, change, title=saved.translation.title, body=saved.translation.body)
    webhook_events.page_saved(page, was_visible=was_visible)
    return page


def translate_page(staff, page: Page, language: str, *, title: str | None = None, body: str | None = None,
                   slug: str | None = None, field_prefix: str = "") -> translations.Saved:
    """Write one language of a page (the default language's too) and keep a revision when it changed.
    Raises Forbidden, ValidationFailed (language not enabled, empty title, taken slug, too large)."""
    require(staff)
    saved = translations.set_translation(page, language, title=title, body=body, slug=slug,
                                         field_prefix=field_prefix)
    if saved.changed:
        page.updated_by_id, page.updated_at = staff.id, utcnow()
        change = f"translated ({language})" if saved.created else ", ".join(saved.changed)
        revisions.record(page, staff, language, change, title=saved.translation.title, body=saved.translation.body)
    return saved


def publish(staff, page: Page, *, status: str | None = None, visibility: str | None = None) -> list[str]:
    """Change a page's status or visibility alone (a revision notes it). Raises Forbidden, ValidationFailed."""
    require(staff)
    was_visible = not page.hidden and page.listed
    changed = revisions.set_publication(page, status=status, visibility=visibility)
    if changed:
        page.updated_by_id, page.updated_at = staff.id, utcnow()
        revisions.record(page, staff, languages.default(), ", ".join(changed), title=page.name, body=page.body)
        db.session.flush()
        webhook_events.page_saved(page, was_visible=was_visible)
    return changed


def delete(staff, item) -> None:
    """Delete a book, chapter, page (with everything inside it) or a page attachment; logged at INFO,
    as the knowledge base keeps no history table."""
    require_item(staff, item)
    log.info("kb: staff=%s deleted %s %s %r", staff.id, type(item).__name__.lower(), item.id,
             getattr(item, "name", None) or getattr(item, "filename", ""))
    db.session.delete(item)
    db.session.flush()


def _siblings(item) -> list:
    if isinstance(item, Book):
        query = db.select(Book).order_by(Book.position, Book.name, Book.id)
    elif isinstance(item, Chapter):
        query = (db.select(Chapter).where(Chapter.book_id == item.book_id, Chapter.appendix == item.appendix)
                 .order_by(Chapter.position, Chapter.name, Chapter.id))
    else:
        query = db.select(Page).where(Page.chapter_id == item.chapter_id).order_by(Page.position, Page.name, Page.id)
    return list(db.session.execute(query).scalars())


def move(staff, item, step: int) -> None:
    """Move a book, chapter or page one place up (-1) or down (+1) among its siblings; positions are
    renumbered 1..n so ties left by older data cannot stop it moving."""
    require_item(staff, item)
    rows = _siblings(item)
    index = rows.index(item)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows, start=1):
        row.position = position
    db.session.flush()


def reset_helpful(staff, page: Page) -> None:
    """Start the helpful / not helpful counts again, and let every browser vote again."""
    require_book(staff, page.chapter.book)
    log.info("kb: staff=%s reset helpful counts of page %s (%s/%s)", staff.id, page.id, page.helpful,
             page.not_helpful)
    page.helpful = page.not_helpful = 0
    db.session.execute(sql_delete(PageVote).where(PageVote.page_id == page.id))
    db.session.flush()


def add_attachment(staff, page: Page, upload, *, downloadable: bool = True) -> PageAttachment:
    """Raises Forbidden, ValidationFailed (too large, blocked type, or the disk refused)."""
    require_book(staff, page.chapter.book)
    filestore.check_upload(upload)
    try:
        digest = filestore.store(upload.data)
    except filestore.StorageError:
        raise ValidationFailed(("attachment", gettext("The file cannot be saved right now."))) from None
    name = filestore.safe_filename(upload.filename)
    attachment = PageAttachment(page=page, filename=name, mime_type=filestore.guess_mime(name),
                                size=len(upload.data), sha256=digest, downloadable=bool(downloadable))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def move_page(staff, page: Page, chapter: Chapter) -> None:
    """Put a page last in another chapter. Raises Forbidden."""
    require(staff)
    last = db.session.scalar(db.select(db.func.max(Page.position)).where(Page.chapter_id == chapter.id)) or 0
    page.chapter, page.position = chapter, last + 1
    page.updated_by_id, page.updated_at = staff.id, utcnow()
    db.session.flush()


def move_chapter(staff, chapter: Chapter, book: Book) -> None:
    """Put a chapter last in another book. Raises Forbidden."""
    require(staff)
    last = db.session.scalar(db.select(db.func.max(Chapter.position)).where(Chapter.book_id == book.id)) or 0
    chapter.book, chapter.position = book, last + 1
    db.session.flush()


def set_external_id(staff, page: Page, external_id: str) -> None:
    """The id an import gave the page elsewhere (HelpCenter.io's ``external_id``): one page each.
    Raises Forbidden, ValidationFailed."""
    require(staff)
    other = db.session.scalar(db.select(Page.id).where(Page.external_id == external_id, Page.id != page.id))
    if other is not None:
        raise ValidationFailed(("external_id", gettext("Article %(other)s already has this external_id.", other=other)))
    page.external_id = external_id
    db.session.flush()
