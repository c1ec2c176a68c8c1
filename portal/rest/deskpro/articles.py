"""``articles`` and ``article_categories``: the knowledge books, through ``kb.services`` (reading) and
``kb.editing`` (writing: the ``kb`` right, cleaned HTML, the same rules as the staff pages).

- An article is a KB page: ``status`` ``published``, or ``hidden`` with ``hidden_status`` ``draft`` (a page
  hidden from customers). ``categories`` holds the page's chapter. ``view_count`` is the page's views (the
  per-day ``page_view`` rows content health and HelpCenter.io's ``views`` read); ``num_ratings`` is
  helpful + not helpful votes and ``total_rating`` helpful minus not helpful.
- Article categories are books and chapters as one tree: a book is a top-level category (``parent`` null), its
  chapters are its children. Their ids share one number space: a book's category id is ``2 * book.id - 1``
  (odd), a chapter's ``2 * chapter.id`` (even). Articles live in chapters, so an article's categories must
  name a chapter.
- Visibility: a key acts for its staff member. With the ``kb`` right it sees every book, chapter and page
  (private and hidden ones too, as on the staff pages); without it only what a customer may read.
"""
from flask import request
from sqlalchemy.orm import selectinload

from ...deflection import health
from ...errors import Forbidden, NotFound, ValidationFailed
from ...extensions import db
from ...kb import editing, languages, translations
from ...kb import services as kb
from ...kb.models import Book, Chapter, Page
from ..body import Input, InvalidInput, from_service, json_body
from ..paging import paging
from .dialect import collection, created, date, envelope, route, updated

MAX_CONTENT = 10_000_000  # the page's own limit (portal.limits) is checked by kb.editing
STATUSES = ("published", "hidden", "hidden.draft", "draft")
ORDERS = {"id": Page.id, "date_created": Page.created_at, "date_updated": Page.updated_at, "title": Page.name}


def book_category(book_id: int) -> int:
    return 2 * book_id - 1


def chapter_category(chapter_id: int) -> int:
    return 2 * chapter_id


def sees_all(caller) -> bool:
    return caller.staff is not None and caller.staff.can("kb")


# --- reading -------------------------------------------------------------------------------------------

def article(page: Page, rows: dict | None = None, views: int | None = None) -> dict:
    """``rows``: the page's translations ({language: PageTranslation}); read when not given."""
    hidden = page.hidden or page.status == "draft"
    views = health.page_views([page.id]).get(page.id, 0) if views is None else views
    rows = translations.translations_of(page) if rows is None else rows
    return {
        "id": page.id, "person": page.created_by_id, "language": languages.default(), "slug": page.slug,
        "title": page.name,
        "content": page.body, "status": "hidden" if hidden else "published",
        "hidden_status": "draft" if hidden else None, "categories": [chapter_category(page.chapter_id)],
        "labels": [tag.name for tag in page.tags], "view_count": views,
        "num_ratings": page.helpful + page.not_helpful, "total_rating": page.helpful - page.not_helpful,
        "date_created": date(page.created_at), "date_updated": date(page.updated_at),
        "date_published": None if hidden else date(page.created_at),
        "title_translations": [{"language": code, "value": row.title} for code, row in sorted(rows.items())],
        "content_translations": [{"language": code, "value": row.body} for code, row in sorted(rows.items())],
    }


def _pages(caller):
    """The pages the caller may see (all of them, or what customers may read)."""
    query = db.select(Page).join(Page.chapter).join(Chapter.book)
    if not sees_all(caller):
        query = query.where(Page.hidden.is_(False), Chapter.hidden.is_(False), Book.private.is_(False),
                            Page.status == "published", Page.visibility == "public")
    return query


def _get_page(caller, article_id: int) -> Page:
    try:
        return kb.get_page(article_id, staff=caller.staff if sees_all(caller) else None)
    except Forbidden:
        raise NotFound("No such article.") from None  # a private book's page is not there for this key
    except NotFound:
        raise NotFound("No such article.") from None


def _ids(name: str) -> list[int]:
    raw = request.args.get(name, "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > 200 or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in parts):
        raise InvalidInput([(name, "invalid", "Give up to 200 ids separated by commas.")])
    return [int(p) for p in parts]


def _listing(caller):
    query = _pages(caller)
    args = request.args
    if args.get("ids"):
        query = query.where(Page.id.in_(_ids("ids")))
    if args.get("category"):
        wanted = _ids("category")
        chapters = [i // 2 for i in wanted if i % 2 == 0]
        books = [(i + 1) // 2 for i in wanted if i % 2 == 1]
        query = query.where(db.or_(Page.chapter_id.in_(chapters), Chapter.book_id.in_(books)))
    status = args.get("status", "").strip()
    if status:
        if status not in STATUSES:
            raise InvalidInput([("status", "invalid_choice", "Use published or hidden.")])
        query = query.where(Page.hidden.is_(status != "published"))
    order = args.get("order_by", "id")
    direction = args.get("order_dir", "desc").lower()
    if order not in ORDERS or direction not in ("asc", "desc"):
        raise InvalidInput([("order_by" if order not in ORDERS else "order_dir", "invalid_choice",
                             f"Order by {', '.join(ORDERS)}, asc or desc.")])
    column = ORDERS[order]
    return query.order_by(column.asc() if direction == "asc" else column.desc(), Page.id.desc())


def _count(query) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))


@route("/articles", "GET", "articles.articles.list",
       doc={"items": {"type": "object", "required": ["id", "title", "status"]}})
def list_articles(caller):
    page = paging()
    query = _listing(caller)
    total = _count(query)
    rows = db.session.execute(query.options(selectinload(Page.tags)).offset(page.offset)
                              .limit(page.per_page)).scalars()
    pages = list(rows)
    found = translations.of_pages([p.id for p in pages])
    views = health.page_views([p.id for p in pages])
    return collection([article(p, found.get(p.id, {}), views.get(p.id, 0)) for p in pages], page, total)


@route("/articles/counts", "GET", "articles.articles.counts")
def count_articles(caller):
    query = _listing(caller)
    return envelope({"total": _count(query), "status": {
        "published": _count(query.where(Page.hidden.is_(False))),
        "hidden": _count(query.where(Page.hidden.is_(True)))}})


@route("/articles/<int:article_id>", "GET", "articles.articles.get")
def get_article(caller, article_id):
    return envelope(article(_get_page(caller, article_id)))


# --- writing -------------------------------------------------------------------------------------------

def _hidden(body: Input) -> bool | None:
    status = body.raw("status")
    hidden_status = body.raw("hidden_status")
    if status is None:
        return None
    if status not in STATUSES:
        body.problem("status", "invalid_choice", "Use published, hidden or hidden.draft.")
        return None
    if hidden_status not in (None, "draft"):
        body.problem("hidden_status", "invalid_choice", "The only hidden status is draft.")
    return status != "published"


def _chapter(caller, body: Input, required: bool) -> Chapter | None:
    """The chapter an article's ``categories`` (or ``category``) names."""
    values = body.array("categories")
    if values is None and body.has("category"):
        single = body.integer("category")
        values = [single] if single is not None else None
    if not values:
        if required:
            body.problem("categories", "required", "Give the id of the chapter (an article category) to put it in.")
        return None
    first = values[0]
    if isinstance(first, dict):
        first = first.get("id")
    if isinstance(first, str) and first.isascii() and first.isdigit() and len(first) <= 10:
        first = int(first)
    if isinstance(first, bool) or not isinstance(first, int) or len(values) > 1:
        body.problem("categories", "invalid", "Give one article category id: the chapter the article is in.")
        return None
    if first % 2:
        body.problem("categories", "invalid", "Articles go in a chapter (a category with a parent), not a book.")
        return None
    chapter = _visible_chapter(caller, first // 2)
    if chapter is None:
        body.problem("categories", "not_found", "There is no article category with this id.")
    return chapter


def _tag_names(body: Input) -> list[str] | None:
    values = body.array("labels")
    if values is None:
        return None
    if not all(isinstance(v, str) for v in values) or len(values) > 100:
        body.problem("labels", "invalid_type", "Give up to 100 labels as strings.")
        return None
    return values


def _read(caller, body: Input, *, creating: bool):
    title = body.text("title", required=creating)
    content = body.text("content", max_length=MAX_CONTENT)
    hidden = _hidden(body)
    chapter = _chapter(caller, body, creating)
    labels = _tag_names(body)
    body.allow("hidden_status", "person", "language", "slug", "title_translations", "content_translations",
               "date_published")  # sent by SDKs building a whole article; Portico keeps none of them
    body.done()
    return title, content, hidden, chapter, labels


@route("/articles", ("POST", "PUT"), "articles.articles.create")
def create_article(caller):
    editing.require(caller.staff)
    body = Input(json_body())
    title, content, hidden, chapter, labels = _read(caller, body, creating=True)
    data = editing.PageInput(name=title, body=content, hidden=bool(hidden), tags=labels or [])
    try:
        page = editing.save_page(caller.staff, chapter, data)
    except ValidationFailed as exc:
        raise from_service(exc, {"name": "title", "body": "content"}) from None
    return created(article(page), f"articles/{page.id}")


@route("/articles/<int:article_id>", ("PUT", "POST"), "articles.articles.update")
def update_article(caller, article_id):
    editing.require(caller.staff)
    page = _get_page(caller, article_id)
    body = Input(json_body())
    title, content, hidden, chapter, labels = _read(caller, body, creating=False)
    data = editing.PageInput(
        name=title or page.name, body=content if body.has("content") else page.body,
        hidden=page.hidden if hidden is None else hidden, highlight=page.highlight,
        tags=[t.name for t in page.tags] if labels is None else labels,
        related_ids=[p.id for p in page.related], chapter_id=chapter.id if chapter else None)
    try:
        editing.save_page(caller.staff, page.chapter, data, page)
    except ValidationFailed as exc:
        raise from_service(exc, {"name": "title", "body": "content"}) from None
    return updated(f"articles/{page.id}", lambda: article(page))


@route("/articles/<int:article_id>", "DELETE", "articles.articles.delete")
def delete_article(caller, article_id):
    editing.require(caller.staff)
    editing.delete(caller.staff, _get_page(caller, article_id))
    return envelope({})


# --- categories: books and chapters --------------------------------------------------------------------

def book_row(book: Book) -> dict:
    return {"id": book_category(book.id), "title": book.name, "slug": book.slug, "parent": None,
            "display_order": book.position, "is_private": book.private, "title_translations": []}


def chapter_row(chapter: Chapter) -> dict:
    return {"id": chapter_category(chapter.id), "title": chapter.name, "slug": chapter.slug,
            "parent": book_category(chapter.book_id), "display_order": chapter.position,
            "is_hidden": chapter.hidden, "title_translations": []}


def _visible_chapter(caller, chapter_id: int) -> Chapter | None:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None or (not sees_all(caller) and (chapter.hidden or chapter.book.private)):
        return None
    return chapter


def _visible_book(caller, book_id: int) -> Book | None:
    book = db.session.get(Book, book_id)
    if book is None or (not sees_all(caller) and book.private):
        return None
    return book


def _category(caller, category_id: int) -> Book | Chapter:
    found = _visible_chapter(caller, category_id // 2) if category_id % 2 == 0 \
        else _visible_book(caller, (category_id + 1) // 2)
    if found is None:
        raise NotFound("No such article category.")
    return found


def _tree(caller) -> list[dict]:
    """Every category the caller may see, each book followed by its chapters."""
    books = db.select(Book).order_by(Book.position, Book.name, Book.id)
    if not sees_all(caller):
        books = books.where(Book.private.is_(False))
    rows = []
    for book in db.session.execute(books.options(selectinload(Book.chapters))).scalars():
        rows.append(book_row(book))
        rows.extend(chapter_row(c) for c in book.chapters if sees_all(caller) or not c.hidden)
    return rows


@route("/article_categories", "GET", "articles.article_categories.list",
       doc={"items": {"type": "object", "required": ["id", "title", "parent"]}})
def list_categories(caller):
    page = paging(default=50)
    rows = _tree(caller)
    parent = request.args.get("parent", "").strip()
    if parent:
        if not (parent.isascii() and parent.isdigit() and len(parent) <= 10):
            raise InvalidInput([("parent", "invalid", "Give a category id.")])
        rows = [r for r in rows if r["parent"] == int(parent)]
    return collection(rows[page.offset:page.offset + page.per_page], page, len(rows))


@route("/article_categories/counts", "GET", "articles.article_categories.counts")
def count_categories(caller):
    return envelope({"total": len(_tree(caller))})


@route("/article_categories/<int:category_id>", "GET", "articles.article_categories.get")
def get_category(caller, category_id):
    found = _category(caller, category_id)
    return envelope(book_row(found) if isinstance(found, Book) else chapter_row(found))


def _category_input(caller, body: Input, *, creating: bool):
    title = body.text("title", required=creating)
    parent = body.integer("parent") if body.has("parent") else ...
    display_order = body.integer("display_order")
    body.allow("slug", "title_translations", "is_private", "is_hidden")
    private, hidden = body.boolean("is_private"), body.boolean("is_hidden")
    book = None
    if isinstance(parent, int) and parent:
        if parent % 2 == 0:
            body.problem("parent", "invalid", "A category's parent must be a top-level category (a book).")
        else:
            book = _visible_book(caller, (parent + 1) // 2)
            if book is None:
                body.problem("parent", "not_found", "There is no article category with this id.")
    body.done()
    return title, parent, book, display_order, private, hidden


def _names(exc: ValidationFailed):
    return from_service(exc, {"name": "title", "description": "description"})


@route("/article_categories", ("POST", "PUT"), "articles.article_categories.create")
def create_category(caller):
    editing.require(caller.staff)
    body = Input(json_body())
    title, _, book, _, private, hidden = _category_input(caller, body, creating=True)
    try:
        if book is None:
            found: Book | Chapter = editing.save_book(caller.staff, name=title, private=private)
            return created(book_row(found), f"article_categories/{book_category(found.id)}")
        found = editing.save_chapter(caller.staff, book, name=title, hidden=hidden)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return created(chapter_row(found), f"article_categories/{chapter_category(found.id)}")


@route("/article_categories/<int:category_id>", ("PUT", "POST"), "articles.article_categories.update")
def update_category(caller, category_id):
    editing.require(caller.staff)
    found = _category(caller, category_id)
    body = Input(json_body())
    title, parent, book, _, private, hidden = _category_input(caller, body, creating=False)
    try:
        if isinstance(found, Book):
            if parent is not ... and parent:
                raise InvalidInput([("parent", "not_supported", "A top-level category stays at the top.")])
            editing.save_book(caller.staff, name=title or found.name, description=found.description,
                              private=private if body.has("is_private") else found.private, book=found)
        else:
            if parent is not ... and book is None:
                raise InvalidInput([("parent", "required", "A chapter category needs a parent.")])
            if book is not None and book.id != found.book_id:
                found.book = book
            editing.save_chapter(caller.staff, found.book, name=title or found.name, appendix=found.appendix,
                                 hidden=hidden if body.has("is_hidden") else found.hidden, chapter=found)
    except ValidationFailed as exc:
        raise _names(exc) from None
    row = book_row if isinstance(found, Book) else chapter_row
    return updated(f"article_categories/{category_id}", lambda: row(found))  # type: ignore[operator]


@route("/article_categories/<int:category_id>", "DELETE", "articles.article_categories.delete")
def delete_category(caller, category_id):
    editing.require(caller.staff)
    editing.delete(caller.staff, _category(caller, category_id))
    return envelope({})
