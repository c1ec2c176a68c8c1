"""``/v1/articles``: KB pages with their title, slug and content per language, through ``kb.services``
(reading) and ``kb.editing`` (writing: the ``kb`` right, the editor's cleaning, a revision per save).

An article's category is its chapter (ids as DeskPRO's article categories: ``2 * chapter.id``); a page lives
in one chapter, so ``categories`` takes one id. ``views`` is the page's views on the portal since they were
first counted: the sum of its per-day ``page_view`` rows, the one count content health's "most-viewed pages"
also reads (``deflection.health``; each worker adds views up in memory and writes them at most every 30
seconds: a portal page read writes no row of its own). ``sort=views`` orders by that sum.
A key with the ``kb`` right sees drafts, private and link-only pages; others what customers may read.
"""
from flask import request, url_for

from ...deflection import health
from ...deflection.models import PageView
from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...kb import editing, languages, revisions
from ...kb import translations as kb_translations
from ...kb.models import Book, Chapter, Page, PageTranslation
from ..body import json_body
from ..deskpro.articles import chapter_category, sees_all
from .dialect import LanguageNotEnabled, date, route, success

LANGUAGE_FIELDS = ("title", "slug", "content")
FIELDS = {*LANGUAGE_FIELDS, "published", "visibility", "category_id", "categories", "external_id", "type",
          "content_format"}


def article(page: Page, rows: dict[str, PageTranslation], only: str | None = None, views: int = 0) -> dict:
    shown = {code: row for code, row in sorted(rows.items()) if only is None or code == only}
    data = {
        "id": page.id, "external_id": page.external_id, "type": "article", "content_format": "html",
        "title": {code: row.title for code, row in shown.items()},
        "slug": {code: row.slug for code, row in shown.items()},
        "content": {code: row.body for code, row in shown.items()},
        "url": {code: url_for("kb.page", lang=None if code == languages.default() else code, page_id=page.id,
                              slug=row.slug, _external=True) for code, row in shown.items()},
        "published": page.status == "published", "status": page.status, "visibility": page.visibility,
        "category_id": chapter_category(page.chapter_id), "categories": [chapter_category(page.chapter_id)],
        "views": views, "helpful": page.helpful, "not_helpful": page.not_helpful, "user_id": page.created_by_id,
        "created_at": date(page.created_at), "updated_at": date(page.updated_at),
    }
    if page.visibility == "link_only":
        data["share_token"] = page.share_token
        data["share_url"] = url_for("kb.shared_page", token=page.share_token, _external=True)
    return data


def _language(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    code = raw.strip().lower()
    if not languages.is_enabled(code):
        raise LanguageNotEnabled(code, languages.enabled())
    return code


def _whole(name: str, raw: str | None, default: int, high: int, problems: list) -> int:
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= high:
        return int(raw)
    problems.append((name, f"The {name} must be a whole number from 1 to {high}."))
    return default


@route("/articles", "GET", "helpcenter.articles.list")
def list_articles(caller):
    args, problems = request.args, []
    page_number = _whole("page", args.get("page"), 1, 1_000_000, problems)
    limit = _whole("limit", args.get("limit") or args.get("per_page"), 100, 100, problems)
    category = args.get("category_id") or args.get("category")
    sort = (args.get("sort") or args.get("sort_by") or "").strip()
    if category is not None and not (category.isascii() and category.isdigit() and len(category) <= 10):
        problems.append(("category_id", "The category_id must be a category's id."))
    if sort not in ("", "views", "-views", "created_at", "-created_at", "updated_at", "-updated_at", "id"):
        problems.append(("sort", "Sort by views, created_at or updated_at (a leading - for descending)."))
    if problems:
        raise ValidationFailed(problems)
    language = _language(args.get("language") or args.get("lang"))
    query = db.select(Page).join(Page.chapter).join(Chapter.book)
    if not sees_all(caller):
        query = query.where(Page.hidden.is_(False), Chapter.hidden.is_(False), Book.private.is_(False),
                            Page.status == "published", Page.visibility == "public")
    if category:
        wanted = int(category)
        query = query.where(Page.chapter_id == wanted // 2 if wanted % 2 == 0 else Chapter.book_id == (wanted + 1) // 2)
    words = (args.get("search") or args.get("q") or args.get("query") or "").split()[:10]
    if words or language:
        matches = db.select(PageTranslation.page_id)
        if language:
            matches = matches.where(PageTranslation.language == language)
        for word in words:
            like = f"%{word[:100].replace('%', '').replace('_', '')}%"
            matches = matches.where(db.or_(PageTranslation.title.ilike(like), PageTranslation.body.ilike(like)))
        query = query.where(Page.id.in_(matches))
    column = {"created_at": Page.created_at, "updated_at": Page.updated_at}.get(sort.lstrip("-"), Page.id)
    if sort.lstrip("-") == "views":  # most viewed first, as HelpCenter.io's own list
        health.flush_views()
        totals = (db.select(PageView.page_id, db.func.sum(PageView.count).label("views"))
                  .group_by(PageView.page_id).subquery())
        query = query.outerjoin(totals, totals.c.page_id == Page.id)
        column = db.func.coalesce(totals.c.views, 0)
    descending = sort.startswith("-") or sort == "views"
    query = query.order_by(column.desc() if descending else column.asc(), Page.id)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = list(db.session.execute(query.offset((page_number - 1) * limit).limit(limit)).scalars())
    rows = kb_translations.of_pages([p.id for p in pages])
    views = health.page_views([p.id for p in pages])
    return success(articles=[article(p, rows.get(p.id, {}), language, views.get(p.id, 0)) for p in pages],
                   meta={"page": page_number, "per_page": limit, "total_pages": max(1, -(-total // limit)),
                         "items_count": total})


def _get(caller, article_id: int) -> Page:
    page = db.session.get(Page, article_id)
    if page is None or (not sees_all(caller) and not (page.listed and not page.hidden and not page.chapter.hidden
                                                      and not page.chapter.book.private)):
        raise NotFound("No article with this id exists on this site.")
    return page


@route("/articles/<int:article_id>", "GET", "helpcenter.articles.get")
def get_article(caller, article_id):
    page = _get(caller, article_id)
    language = _language(request.args.get("language") or request.args.get("lang"))
    return success(article=article(page, kb_translations.translations_of(page), language,
                                   health.page_views([page.id]).get(page.id, 0)))


# --- writing ---------------------------------------------------------------------------------------------

class Body:
    """A POST or PATCH body read into per-language maps and settings, every problem collected."""

    def __init__(self, raw: dict, *, creating: bool):
        self.raw, self.problems = raw, []
        for name in raw:
            if name not in FIELDS:
                self.problems.append((name, f"Unknown field {name[:40]!r}."))
        self.maps = {name: self._map(name) for name in LANGUAGE_FIELDS}
        default = languages.default()
        if creating and not self.maps["title"].get(default, "").strip():
            self.problems.append(("title", f"The title is required, with at least the site's default language "
                                           f"({default})."))
        self.status = self._published()
        self.visibility = self._choice("visibility", revisions.VISIBILITIES)
        self.chapter_id = self._category()
        self.external_id = self._external_id()
        if raw.get("type") not in (None, "article", "faq"):
            self.problems.append(("type", "The type must be article or faq."))
        if raw.get("content_format") not in (None, "html"):
            self.problems.append(("content_format", "Send content as html (Portico stores cleaned HTML)."))
        if self.problems:
            raise ValidationFailed(self.problems)

    def _map(self, name: str) -> dict[str, str]:
        value = self.raw.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.problems.append((name, f"The {name} must be an object of texts keyed by language code, such as "
                                        '{"en": "..."}.'))
            return {}
        for code in value:
            if not languages.is_enabled(code):
                raise LanguageNotEnabled(code, languages.enabled())
        return dict(value)

    def _published(self) -> str | None:
        value = self.raw.get("published")
        if value is None:
            return None
        if not isinstance(value, bool):
            self.problems.append(("published", "The published field must be true or false."))
            return None
        return "published" if value else "draft"

    def _choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.raw.get(name)
        if value is not None and value not in choices:
            self.problems.append((name, f"The {name} must be one of {', '.join(choices)}."))
            return None
        return value

    def _category(self) -> int | None:
        ids = self.raw.get("categories")
        value = self.raw.get("category_id")
        if ids is not None:
            if not isinstance(ids, list) or len(ids) != 1 or not isinstance(ids[0], int):
                self.problems.append(("categories", "Give one category id: a Portico article is in one chapter."))
                return None
            value = ids[0]
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value % 2:
            self.problems.append(("category_id", "The category_id must be a chapter's category id (an even "
                                                 "number: books hold chapters, chapters hold articles)."))
            return None
        return value // 2

    def _external_id(self) -> str | None:
        value = self.raw.get("external_id")
        if value is not None and (not isinstance(value, (str, int)) or isinstance(value, bool)
                                  or not str(value).strip() or len(str(value)) > 100):
            self.problems.append(("external_id", "The external_id must be a text of up to 100 characters."))
            return None
        return None if value is None else str(value).strip()


def _chapter(chapter_id: int) -> Chapter:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None:
        raise ValidationFailed(("category_id", "No category with this id exists on this site."))
    return chapter


def _write(caller, page: Page | None, body: Body) -> Page:
    """Raises ValidationFailed in the API's field names (the services call a page's title "name", its
    content "body")."""
    try:
        return _save(caller, page, body)
    except ValidationFailed as exc:
        names = {"name": "title", "body": "content"}
        raise ValidationFailed([(names.get(field, field), reason) for field, reason in exc.errors]) from None


def _save(caller, page: Page | None, body: Body) -> Page:
    default = languages.default()
    titles, contents, slugs = body.maps["title"], body.maps["content"], body.maps["slug"]
    if page is None:
        if body.chapter_id is None:
            raise ValidationFailed(("category_id", "The category_id (or categories) is required: the chapter the "
                                                   "article goes in."))
        page = editing.save_page(caller.staff, _chapter(body.chapter_id), editing.PageInput(
            name=titles[default], body=contents.get(default, ""), slug=slugs.get(default, ""),
            status=body.status or "draft", visibility=body.visibility or "public"))
    else:
        if body.chapter_id is not None and body.chapter_id != page.chapter_id:
            editing.move_page(caller.staff, page, _chapter(body.chapter_id))
        editing.publish(caller.staff, page, status=body.status, visibility=body.visibility)
    for code in sorted(set(titles) | set(contents) | set(slugs)):
        editing.translate_page(caller.staff, page, code, title=titles.get(code), body=contents.get(code),
                               slug=slugs.get(code))
    if body.external_id is not None:
        editing.set_external_id(caller.staff, page, body.external_id)
    return page


@route("/articles", "POST", "helpcenter.articles.create")
def create_article(caller):
    body = Body(json_body(), creating=False)
    known = None
    if body.external_id is not None:
        known = db.session.execute(db.select(Page).where(Page.external_id == body.external_id)).scalar_one_or_none()
    if known is None:
        body = Body(body.raw, creating=True)
    page = _write(caller, known, body)
    return success(200 if known else 201, article=article(page, kb_translations.translations_of(page),
                                                            views=health.page_views([page.id]).get(page.id, 0)))


@route("/articles/<int:article_id>", "PATCH", "helpcenter.articles.update")
def update_article(caller, article_id):
    page = _get(caller, article_id)
    page = _write(caller, page, Body(json_body(), creating=False))
    return success(article=article(page, kb_translations.translations_of(page),
                                   views=health.page_views([page.id]).get(page.id, 0)))
