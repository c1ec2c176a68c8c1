"""Pages, books and chapters in several languages.

A page has a ``PageTranslation`` per language (title, slug, body); ``Page.name``/``Page.body`` mirror the
default language's, so everything that knows one language (HelpSpot's ``kb.*``, the search index, the
webhooks) reads the default language unchanged. Books and chapters have ``BookTranslation`` and
``ChapterTranslation`` rows for their names and descriptions in the other languages. Writes need the ``kb``
right (raises Forbidden); bodies are cleaned with the editor's rules; functions flush, never commit.
"""
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import bindparam

from .. import limits
from ..database import prepared
from ..dates import utcnow
from ..errors import ValidationFailed
from ..extensions import db
from ..text import clean_html, single_line, slugify, without_controls
from . import languages
from .models import Book, BookTranslation, Chapter, ChapterTranslation, Page, PageTranslation

MAX_DESCRIPTION = 2000


def make_slug(text: str) -> str:
    """An ASCII slug from a title in any Latin-script language ("Über uns" -> "uber-uns")."""
    text = (text or "").replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("œ", "oe")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return slugify(ascii_text, max_length=120)


def _slug_taken(language: str, slug: str, page_id: int | None) -> bool:
    query = db.select(PageTranslation.id).where(PageTranslation.language == language, PageTranslation.slug == slug)
    if page_id is not None:
        query = query.where(PageTranslation.page_id != page_id)
    return db.session.scalar(query.limit(1)) is not None


def _free_slug(language: str, base: str, page_id: int | None) -> str:
    slug, number = base, 1
    while _slug_taken(language, slug, page_id):
        number += 1
        slug = f"{base[:110]}-{number}"
    return slug


def translations_of(page: Page) -> dict[str, PageTranslation]:
    rows = db.session.execute(_translations_of(), {"page_id": page.id}).scalars()
    return {row.language: row for row in rows}


@prepared
def _translations_of():
    return db.select(PageTranslation).where(PageTranslation.page_id == bindparam("page_id"))


@dataclass
class Saved:
    translation: PageTranslation
    changed: list[str]  # "title", "slug", "body": what this save changed (empty: nothing)
    created: bool


def set_translation(page: Page, language: str, *, title: str | None = None, body: str | None = None,
                    slug: str | None = None, field_prefix: str = "") -> Saved:
    """Write one language of ``page`` (already flushed). A missing ``title``/``body``/``slug`` keeps the
    stored one; a new translation needs a title; a slug not given is made from the title, one given must
    be free in that language. Raises ValidationFailed (language not enabled, empty title, taken slug,
    body too large)."""
    languages.check(language, f"{field_prefix}language" if field_prefix else "language")
    row = translations_of(page).get(language) if page.id else None
    problems = []
    if title is not None:
        title = single_line(title)[:255]
        if not title:
            problems.append((f"{field_prefix}title", f"The title ({language}) may not be empty."))
    elif row is None:
        problems.append((f"{field_prefix}title", f"A new translation ({language}) needs a title."))
    if body is not None:
        reason = limits.too_long(body, staff=True, label=gettext("The page (%(language)s)", language=language))
        if reason:
            problems.append((f"{field_prefix}content", reason))
    if slug is not None and slug.strip():
        slug = make_slug(slug)
        if _slug_taken(language, slug, page.id):
            problems.append((f"{field_prefix}slug", f"Another page already uses the slug {slug!r} in {language}."))
    if problems:
        raise ValidationFailed(problems)
    created = row is None
    if row is None:
        row = PageTranslation(page_id=page.id, language=language, title=title, body="",
                              slug=slug or _free_slug(language, make_slug(title or ""), page.id))
        db.session.add(row)
    before = (row.title, row.slug, row.body)
    if title is not None:
        row.title = title
    if slug:
        row.slug = slug
    if body is not None:
        row.body = clean_html(body)
    after = (row.title, row.slug, row.body)
    changed = [name for name, old, new in zip(("title", "slug", "body"), before, after, strict=True)
               if old != new or created]
    if changed:
        row.updated_at = utcnow()
    if language == languages.default():
        page.name, page.body = row.title, row.body
    db.session.flush()
    return Saved(row, changed, created)


def remove_translation(page: Page, language: str) -> None:
    """Drop one language of a page; the default language's translation stays. Raises ValidationFailed."""
    if language == languages.default():
        raise ValidationFailed(("language", gettext("The default language's text cannot be removed; delete the page.")))
    row = translations_of(page).get(language)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def localized(page: Page, language: str, rows: dict[str, PageTranslation] | None = None
              ) -> tuple[PageTranslation | None, str]:
    """(the translation to show, its language): the one asked for, else the default language's (the
    caller shows a note). (None, default) when the page has no row in either: its own columns are the
    default language's text (a page written before it had translations). ``rows``: the page's
    ``translations_of``, when the caller has read them already."""
    rows = translations_of(page) if rows is None else rows
    for code in (language, languages.default()):
        if code in rows:
            return rows[code], code
    return None, languages.default()


def of_pages(page_ids: list[int]) -> dict[int, dict[str, PageTranslation]]:
    """Every translation of many pages in one statement: {page id: {language: translation}}."""
    found: dict[int, dict[str, PageTranslation]] = {}
    if page_ids:
        for row in db.session.execute(db.select(PageTranslation).where(PageTranslation.page_id.in_(page_ids))
                                      ).scalars():
            found.setdefault(row.page_id, {})[row.language] = row
    return found


def titles(page_ids: list[int], language: str) -> dict[int, PageTranslation]:
    """One language's translations of many pages in one statement (lists, tables of contents)."""
    if not page_ids:
        return {}
    rows = db.session.execute(db.select(PageTranslation).where(
        PageTranslation.page_id.in_(page_ids), PageTranslation.language == language)).scalars()
    return {row.page_id: row for row in rows}


def page_languages(page_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(db.select(PageTranslation.page_id, PageTranslation.language)
                              .where(PageTranslation.page_id.in_(page_ids)))
    found: dict[int, list[str]] = {}
    for page_id, language in rows:
        found.setdefault(page_id, []).append(language)
    return found


# --- books and chapters ----------------------------------------------------------------------------

MAX_NAME = 255


def _name_and_description(name: str | None, description: str | None, language: str, prefix: str):
    problems = []
    if name is not None:
        name = single_line(name)
        if not name:
            problems.append((f"{prefix}name", f"The name ({language}) may not be empty."))
        elif len(name) > MAX_NAME:
            problems.append((f"{prefix}name", f"Keep the name ({language}) under {MAX_NAME} characters."))
    if description is not None:
        description = without_controls(description).strip()
        if len(description) > MAX_DESCRIPTION:
            problems.append((f"{prefix}description", f"Keep the description ({language}) under "
                                                     f"{MAX_DESCRIPTION:,} characters."))
    if problems:
        raise ValidationFailed(problems)
    return name, description


def _named_row(model, key: str, owner, language: str, name: str | None, description: str | None,
               prefix: str, own_description: str):
    """The ``model`` row of ``owner`` in ``language``, created or updated. A new row in another language
    than the default needs a name (as a new page translation needs a title): a copy of the default
    language's name would pass for a translation and never follow it. Raises ValidationFailed."""
    languages.check(language, f"{prefix}language" if prefix else "language")
    name, description = _name_and_description(name, description, language, prefix)
    row = db.session.execute(db.select(model).where(
        getattr(model, key) == owner.id, model.language == language)).scalar_one_or_none()
    default = language == languages.default()
    if row is None:
        if name is None and not default:
            raise ValidationFailed((f"{prefix}name", f"A new translation ({language}) needs a name."))
        row = model(**{key: owner.id}, language=language, name=name or owner.name,
                    description=(own_description if default else "") if description is None else description)
        db.session.add(row)
    row.name = name if name is not None else row.name
    row.description = description if description is not None else row.description
    return row


def set_book_name(book: Book, language: str, *, name: str | None = None, description: str | None = None,
                  field_prefix: str = "") -> BookTranslation:
    """A book's name and description in one language (the default language's also mirror into the book's
    own columns). A description not given is kept. Raises ValidationFailed (language not enabled, empty or
    too long name, too long description, a new translation without a name)."""
    row = _named_row(BookTranslation, "book_id", book, language, name, description, field_prefix,
                     book.description)
    if language == languages.default():
        book.name, book.description = row.name, row.description
    db.session.flush()
    return row


def set_chapter_name(chapter: Chapter, language: str, *, name: str | None = None,
                     description: str | None = None, field_prefix: str = "") -> ChapterTranslation:
    """A chapter's name and description in one language (a chapter's description lives only in these
    rows; the default language's name mirrors into ``Chapter.name``). Raises ValidationFailed."""
    row = _named_row(ChapterTranslation, "chapter_id", chapter, language, name, description, field_prefix, "")
    if language == languages.default():
        chapter.name = row.name
    db.session.flush()
    return row


def translate_book(staff, book: Book, language: str, *, name: str | None, description: str | None,
                   field_prefix: str = "") -> BookTranslation:
    """A book's editor (or an administrator) writes its name and description in one language: the staff
    form and HelpCenter.io's ``PATCH /v1/categories`` both come here. Raises Forbidden, ValidationFailed."""
    from .editing import require_book  # editing imports this module

    require_book(staff, book)
    return set_book_name(book, language, name=name, description=description, field_prefix=field_prefix)


def translate_chapter(staff, chapter: Chapter, language: str, *, name: str | None, description: str | None,
                      field_prefix: str = "") -> ChapterTranslation:
    """As ``translate_book``, for a chapter (its book's editors). Raises Forbidden, ValidationFailed."""
    from .editing import require_book

    require_book(staff, chapter.book)
    return set_chapter_name(chapter, language, name=name, description=description, field_prefix=field_prefix)


def remove_name_translation(staff, item: Book | Chapter, language: str) -> None:
    """Drop a book's or chapter's name in one language (the portal then shows the default language's);
    the default language's stays. Raises Forbidden, ValidationFailed."""
    from .editing import require_book

    require_book(staff, item if isinstance(item, Book) else item.book)
    if language == languages.default():
        raise ValidationFailed(("language", gettext("The default language's name cannot be removed.")))
    model, key = (BookTranslation, "book_id") if isinstance(item, Book) else (ChapterTranslation, "chapter_id")
    db.session.execute(db.delete(model).where(getattr(model, key) == item.id, model.language == language))
    db.session.flush()


def names_of(item: Book | Chapter) -> dict:
    """Every language of a book's or chapter's name and description: {language: row}."""
    model, key = (BookTranslation, "book_id") if isinstance(item, Book) else (ChapterTranslation, "chapter_id")
    rows = db.session.execute(db.select(model).where(getattr(model, key) == item.id)).scalars()
    return {row.language: row for row in rows}


def book_names(book_ids: list[int], language: str) -> dict[int, BookTranslation]:
    if not book_ids:
        return {}
    rows = db.session.execute(db.select(BookTranslation).where(
        BookTranslation.book_id.in_(book_ids), BookTranslation.language == language)).scalars()
    return {row.book_id: row for row in rows}


def chapter_names(chapter_ids: list[int], language: str) -> dict[int, ChapterTranslation]:
    if not chapter_ids:
        return {}
    rows = db.session.execute(db.select(ChapterTranslation).where(
        ChapterTranslation.chapter_id.in_(chapter_ids), ChapterTranslation.language == language)).scalars()
    return {row.chapter_id: row for row in rows}


def use_default_language(language: str) -> int:
    """After the default language changed: pages, books and chapters translated into it show that text
    in their own columns (the mirror). Returns how many pages changed."""
    count = 0
    for page, row in db.session.execute(db.select(Page, PageTranslation).join(
            PageTranslation, PageTranslation.page_id == Page.id).where(PageTranslation.language == language)):
        page.name, page.body = row.title, row.body
        count += 1
    for book, brow in db.session.execute(db.select(Book, BookTranslation).join(
            BookTranslation, BookTranslation.book_id == Book.id).where(BookTranslation.language == language)):
        book.name, book.description = brow.name, brow.description
    for chapter, crow in db.session.execute(db.select(Chapter, ChapterTranslation).join(
            ChapterTranslation, ChapterTranslation.chapter_id == Chapter.id)
            .where(ChapterTranslation.language == language)):
        chapter.name = crow.name
    db.session.flush()
    return count


@prepared
def _chapter_translations():
    return db.select(ChapterTranslation).where(ChapterTranslation.chapter_id.in_(bindparam("ids", expanding=True)),
                                               ChapterTranslation.language.in_(bindparam("languages", expanding=True)))


class Names:
    """What a portal page shows of books, chapters and pages in one language, loaded in four statements
    at most: ``names.page(page)``, ``names.book(book)``... fall back to the default language's text, field
    by field (a German name with no German description shows the default language's description)."""

    def __init__(self, language: str, *, pages=(), books=(), chapters=()):
        self.language = language
        self.default = languages.default()
        self.url_lang = None if language == self.default else language
        other = self.url_lang is not None
        self._pages = titles([p.id for p in pages], language) if other else {}
        self._books = book_names([b.id for b in books], language) if other else {}
        # A chapter's description is only in its rows, the default language's included: both are read, on
        # first use (a KB page in the default language shows the chapter's own name and no description).
        self._chapter_ids = [c.id for c in chapters]
        self._chapter_rows: dict[tuple[int, str], ChapterTranslation] | None = None

    @property
    def _chapters(self) -> dict[tuple[int, str], ChapterTranslation]:
        if self._chapter_rows is None:
            self._chapter_rows = {}
            if self._chapter_ids:
                for row in db.session.execute(_chapter_translations(), {
                        "ids": self._chapter_ids, "languages": sorted({self.language, self.default})}).scalars():
                    self._chapter_rows[(row.chapter_id, row.language)] = row
        return self._chapter_rows

    def page(self, page) -> str:
        row = self._pages.get(page.id)
        return row.title if row else page.name

    def page_slug(self, page) -> str:
        row = self._pages.get(page.id)
        return row.slug if row else page.slug

    def book(self, book) -> str:
        row = self._books.get(book.id)
        return row.name if row else book.name

    def book_description(self, book) -> str:
        row = self._books.get(book.id)
        return row.description if row and row.description else book.description

    def chapter(self, chapter) -> str:
        row = self._chapters.get((chapter.id, self.language)) if self.url_lang else None
        return row.name if row else chapter.name

    def chapter_description(self, chapter) -> str:
        for code in (self.language, self.default):
            row = self._chapters.get((chapter.id, code))
            if row is not None and row.description:
                return row.description
        return ""
