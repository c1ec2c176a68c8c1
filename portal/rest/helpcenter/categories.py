"""``/v1/categories``: books (top level, ``parent`` null, ``parent_id`` 0) and their chapters, numbered as
DeskPRO's article categories (a book ``2 * id - 1``, a chapter ``2 * id``), with names and descriptions per
language. Portico has no category icons: ``icon`` is always null and refused on PATCH."""
from flask import request

from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...kb import editing, languages
from ...kb import translations as kb_translations
from ...kb.models import Book, BookTranslation, Chapter, ChapterTranslation
from ..body import json_body
from ..deskpro.articles import book_category, chapter_category, sees_all
from .dialect import LanguageNotEnabled, route, success

FIELDS = ("name", "description", "parent", "parent_id", "icon")


def _names(item, rows, only: str | None) -> tuple[dict, dict]:
    names = {row.language: row.name for row in rows}
    descriptions = {row.language: row.description for row in rows}
    default = languages.default()
    if default not in names:  # a book or chapter no translation row was written for: its own columns
        names[default], descriptions[default] = item.name, getattr(item, "description", "")
    if only is not None:
        names = {code: text for code, text in names.items() if code == only}
        descriptions = {code: text for code, text in descriptions.items() if code == only}
    return names, descriptions


def category(item, rows, only: str | None = None) -> dict:
    names, descriptions = _names(item, rows, only)
    if isinstance(item, Book):
        ident, parent, position = book_category(item.id), None, item.position
    else:
        ident, parent, position = chapter_category(item.id), book_category(item.book_id), item.position
    return {"id": ident, "name": names, "description": descriptions, "parent": parent, "parent_id": parent or 0,
            "icon": None, "position": position, "private": getattr(item, "private", False)
            or getattr(item, "hidden", False)}


def _tree(caller) -> list:
    books = db.select(Book).order_by(Book.position, Book.id)
    chapters = db.select(Chapter).join(Chapter.book).order_by(Book.position, Book.id, Chapter.appendix,
                                                              Chapter.position, Chapter.id)
    if not sees_all(caller):
        books = books.where(Book.private.is_(False))
        chapters = chapters.where(Book.private.is_(False), Chapter.hidden.is_(False))
    by_book: dict[int, list[Chapter]] = {}
    for chapter in db.session.execute(chapters).scalars():
        by_book.setdefault(chapter.book_id, []).append(chapter)
    items: list = []
    for book in db.session.execute(books).scalars():
        items.append(book)
        items.extend(by_book.get(book.id, []))
    return items


@route("/categories", "GET", "helpcenter.categories.list")
def list_categories(caller):
    args, problems = request.args, []
    values = {}
    for name, default, high in (("page", 1, 1_000_000), ("limit", 100, 100)):
        raw = (args.get(name) or "").strip()
        if not raw:
            values[name] = default
        elif raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= high:
            values[name] = int(raw)
        else:
            problems.append((name, f"The {name} must be a whole number from 1 to {high}."))
    if problems:
        raise ValidationFailed(problems)
    language = (args.get("language") or "").strip().lower() or None
    if language and not languages.is_enabled(language):
        raise LanguageNotEnabled(language, languages.enabled())
    items = _tree(caller)  # books and chapters are few: one statement each, then paged here
    page, limit = values["page"], values["limit"]
    shown = items[(page - 1) * limit: page * limit]
    book_rows = _rows(BookTranslation, BookTranslation.book_id, [i.id for i in shown if isinstance(i, Book)])
    chapter_rows = _rows(ChapterTranslation, ChapterTranslation.chapter_id,
                         [i.id for i in shown if isinstance(i, Chapter)])
    return success(categories=[category(i, (book_rows if isinstance(i, Book) else chapter_rows).get(i.id, []),
                                        language) for i in shown],
                   meta={"page": page, "per_page": limit, "total_pages": max(1, -(-len(items) // limit)),
                         "items_count": len(items)})


def _rows(model, column, ids: list[int]) -> dict[int, list]:
    found: dict[int, list] = {}
    if ids:
        for row in db.session.execute(db.select(model).where(column.in_(ids))).scalars():
            found.setdefault(getattr(row, column.key), []).append(row)
    return found


def _find(caller, category_id: int):
    item = db.session.get(Book if category_id % 2 else Chapter, (category_id + 1) // 2 if category_id % 2
                          else category_id // 2)
    hidden = item is not None and not sees_all(caller) and (
        (isinstance(item, Book) and item.private) or (isinstance(item, Chapter) and (item.hidden or item.book.private)))
    if item is None or hidden or category_id == 0:
        raise NotFound("No category with this id exists on this site.")
    return item


@route("/categories/<int:category_id>", "PATCH", "helpcenter.categories.update")
def update_category(caller, category_id):
    item = _find(caller, category_id)
    raw = json_body()
    problems = [(name, f"Unknown field {name[:40]!r}.") for name in raw if name not in FIELDS]
    maps = {}
    for name in ("name", "description"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())):
            problems.append((name, f"The {name} must be an object of texts keyed by language code."))
            value = None
        for code in value or {}:
            if not languages.is_enabled(code):
                raise LanguageNotEnabled(code, languages.enabled())
        maps[name] = value or {}
    if raw.get("icon") is not None:
        problems.append(("icon", "Portico's categories have no icons."))
    parent = raw.get("parent_id", raw.get("parent"))
    book = None
    if parent not in (None, 0) or ("parent" in raw or "parent_id" in raw) and isinstance(item, Chapter):
        if isinstance(item, Book) or not isinstance(parent, int) or isinstance(parent, bool) or parent % 2 == 0:
            problems.append(("parent", "A chapter's parent is a book (an odd category id); books are top level."))
        else:
            book = db.session.get(Book, (parent + 1) // 2)
            if book is None:
                problems.append(("parent", "No category with this id exists on this site."))
    if problems:
        raise ValidationFailed(problems)
    editing.require(caller.staff)
    if book is not None and book.id != item.book_id:
        editing.require_book(caller.staff, book)
        editing.move_chapter(caller.staff, item, book)
    # the staff form's rules (its editors, names checked and cleaned), each language with its own field names
    translate = kb_translations.translate_book if isinstance(item, Book) else kb_translations.translate_chapter
    for code in sorted(set(maps["name"]) | set(maps["description"])):
        translate(caller.staff, item, code, name=maps["name"].get(code),
                  description=maps["description"].get(code))
    rows = _rows(BookTranslation if isinstance(item, Book) else ChapterTranslation,
                 BookTranslation.book_id if isinstance(item, Book) else ChapterTranslation.chapter_id, [item.id])
    return success(category=category(item, rows.get(item.id, [])))
