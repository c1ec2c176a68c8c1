"""The knowledge books, read-only, through ``kb.services``: ``kb/sections/`` (a bare list), ``kb/section/<id>/``,
``kb/articles/`` (paged like ``tickets/``; ``section`` filters) and ``kb/article/<id>/``.

- A section is a chapter (it holds the articles), named with its book (``book``: id and name); an article is a
  page, ``contents`` its cleaned HTML.
- Visibility as in the DeskPRO dialect: a key acts for its staff member; with the ``kb`` right it sees every
  book, chapter and page (``public`` false on those customers cannot read), without it only what a customer
  may read. Anything else answers 404, private books included (their existence is not told).
"""
from flask import request
from sqlalchemy.orm import joinedload, selectinload

from ...errors import Forbidden, NotFound
from ...extensions import db
from ...kb import services as kb
from ...kb.models import Book, Chapter, Page
from ..body import InvalidInput
from .dialect import paged, route, timestamp, whole_number

MAX_SIZE, DEFAULT_SIZE = 50, 10


def _sees_all(caller) -> bool:
    return caller.staff is not None and caller.staff.can("kb")


def _visible(query, caller):
    """``query`` (over pages or chapters joined to their book) limited to what the caller may read."""
    if _sees_all(caller):
        return query
    return query.where(Chapter.hidden.is_(False), Book.private.is_(False))


def _chapter_public(chapter: Chapter) -> bool:
    return not chapter.hidden and not chapter.book.private


def article(page: Page, *, brief: bool = False) -> dict:
    data = {"id": page.id, "title": page.name, "contents": page.body}
    if brief:
        return data
    chapter = page.chapter
    return data | {"section": {"id": chapter.id, "name": chapter.name}, "created_at": timestamp(page.created_at),
                   "updated_at": timestamp(page.updated_at),
                   "public": not page.hidden and page.listed and _chapter_public(chapter),
                   "tags": [t.name for t in page.tags], "helpful": page.helpful, "not_helpful": page.not_helpful,
                   "attachments": [{"id": a.id, "filename": a.filename, "size": a.size}
                                   for a in page.attachments if a.downloadable]}


def section(chapter: Chapter, pages: list[Page]) -> dict:
    return {"id": chapter.id, "name": chapter.name, "book": {"id": chapter.book.id, "name": chapter.book.name},
            "order": chapter.position, "public": _chapter_public(chapter),
            "articles": [article(p, brief=True) for p in pages]}


def _pages(caller, chapter: Chapter) -> list[Page]:
    return [p for p in chapter.pages if _sees_all(caller) or (not p.hidden and p.listed)]


@route("/kb/sections/", "GET", "kb.sections.list")
def list_sections(caller) -> list[dict]:
    query = _visible(db.select(Chapter).join(Chapter.book)
                     .options(selectinload(Chapter.pages), joinedload(Chapter.book))
                     .order_by(Book.position, Book.name, Chapter.appendix, Chapter.position, Chapter.name), caller)
    return [section(c, _pages(caller, c)) for c in db.session.execute(query).unique().scalars()]


@route("/kb/section/<int:section_id>/", "GET", "kb.sections.get")
def get_section(caller, section_id):
    try:
        chapter = kb.get_chapter(section_id, staff=caller.staff if _sees_all(caller) else None)
    except Forbidden:
        raise NotFound("No such section.") from None
    return section(chapter, _pages(caller, chapter))


@route("/kb/articles/", "GET", "kb.articles.list")
def list_articles(caller) -> dict:
    problems: list = []
    page = whole_number("page", 1, 1_000_000, problems)
    size = whole_number("size", DEFAULT_SIZE, MAX_SIZE, problems)
    query = _visible(db.select(Page).join(Page.chapter).join(Chapter.book), caller)
    if not _sees_all(caller):  # drafts, private and link-only pages are not for customers' keys
        query = query.where(Page.hidden.is_(False), Page.status == "published", Page.visibility == "public")
    chosen = request.args.get("section", "").strip()
    if chosen:
        if chosen.isascii() and chosen.isdigit() and len(chosen) <= 10:
            query = query.where(Page.chapter_id == int(chosen))
        else:
            problems.append(("section", "invalid", "Give a section id."))
    if problems:
        raise InvalidInput(problems)
    query = query.options(joinedload(Page.chapter).joinedload(Chapter.book), selectinload(Page.tags),
                          selectinload(Page.attachments)).order_by(Page.id)
    return paged(query, page, size, lambda rows: [article(p) for p in rows])


@route("/kb/article/<int:article_id>/", "GET", "kb.articles.get")
def get_article(caller, article_id):
    try:
        return article(kb.get_page(article_id, staff=caller.staff if _sees_all(caller) else None))
    except Forbidden:
        raise NotFound("No such article.") from None
