"""Site-wide pages: home, health check, and redirects for HelpSpot's old ``index.php?pg=`` links."""
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import text

from . import cache
from .extensions import db
from .forums import services as forums
from .kb import languages
from .kb import services as kb
from .kb.translations import Names
from .outbox import services as outbox_services
from .pagecache import cached_page
from .public import login_gate
from .unit_of_work import abandon
from .urls import database_id

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    if "pg" in request.args:  # HelpSpot's links are relative to the portal root: "?pg=kb.page&id=16"
        return legacy()
    return _home()


# no query argument: "/?anything" is the same home page; one per language (the KB lists' titles)
@cached_page(("kb", "forums"), vary=lambda: languages.from_request())
def _home():
    if gate := login_gate():
        return gate
    language = languages.from_request()
    lists = cache.cached(f"home:{language}", lambda: _render_home_lists(language), tables=HOME_TABLES)
    return render_template("home.html", lists=lists)


# A committed write to any of these empties the cached lists (posts: approving or hiding one moves a topic).
HOME_TABLES = ("book", "chapter", "page", "tag", "page_tag", "forum", "topic", "post", "page_translation",
               "book_translation")


@dataclass(frozen=True)
class PageLink:
    id: int
    name: str
    slug: str
    book_name: str
    helpful: int


@dataclass(frozen=True)
class TagLink:
    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class TopicLink:
    id: int
    title: str
    slug: str
    forum_name: str
    post_count: int
    last_post_at: datetime


def _render_home_lists(language: str | None = None) -> Markup:
    # Cached as HTML: the 80-odd links (url_for, escaping) cost more than the queries once those were fast.
    # "3 hours ago" is as old as the cached HTML: at most HOME_TTL seconds behind.
    return Markup(render_template("_home_lists.html", **home_lists(language)))


def home_lists(language: str | None = None) -> dict:
    """The home page's four lists as plain values: the same for every visitor of a language, so ``home``
    caches them for ``cache.HOME_TTL`` seconds (a committed write empties the cache of the process that made
    it). Page and book names in ``language`` where translated (the default language's otherwise)."""
    highlighted, helpful = kb.highlighted_pages(), kb.most_helpful_pages()
    pages = highlighted + helpful
    names = Names(language or languages.default(), pages=pages, books=[p.chapter.book for p in pages])

    def links(pages):
        return [PageLink(p.id, names.page(p), names.page_slug(p), names.book(p.chapter.book), p.helpful)
                for p in pages]

    return {"highlighted": links(highlighted), "helpful": links(helpful),
            "tags": [(TagLink(tag.id, tag.name, tag.slug), count) for tag, count in kb.tag_cloud()],
            "topics": [TopicLink(t.id, t.title, t.slug, t.forum.name, t.post_count, t.last_post_at)
                       for t in forums.latest_topics()]}


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        abandon()
        return jsonify(status="error", database="unreachable"), 503
    try:
        age = outbox_services.oldest_pending_age()
    except Exception:  # reachable, but the outbox cannot be read (a schema not migrated): not healthy
        abandon()
        return jsonify(status="error", database="ok", outbox="unreadable"), 503
    # The outbox: seconds the oldest job not yet delivered has waited (null when none waits).
    return jsonify(status="ok", database="ok", outbox_oldest_pending_seconds=None if age is None else round(age))


def _id() -> int | None:
    return database_id(request.args.get("id"))


# pg value -> (endpoint, argument name) for pages that take a numeric id.
_LEGACY_BY_ID = {
    "kb.book": ("kb.book", "book_id"),
    "kb.chapter": ("kb.chapter", "chapter_id"),
    "kb.page": ("kb.page", "page_id"),
    "kb.printer.friendly": ("kb.printable", "book_id"),
    "tag.search": ("kb.tag", "tag_id"),
    "forums.topics": ("forums.forum", "forum_id"),
    "forums.posts": ("forums.topic", "topic_id"),
    "forums.feed": ("forums.feed", "forum_id"),
}
_LEGACY_PLAIN = {
    "home": "site.home", "kb": "kb.books", "forums": "forums.index", "request": "requests.new",
    "request.history": "accounts.history", "login.create": "accounts.register",
    "login.forgot": "accounts.forgot", "search": "search.search",
}


@bp.route("/index.php", methods=["GET", "POST"])
@bp.route("/index", methods=["GET", "POST"])
def legacy():
    """Every old portal link keeps working: 301 to its readable URL; unknown pages go home."""
    pg = request.args.get("pg", "home")
    if pg in _LEGACY_BY_ID:
        endpoint, arg = _LEGACY_BY_ID[pg]
        ident = _id()
        if ident is None:
            return redirect(url_for("site.home"), 301)
        return redirect(url_for(endpoint, **{arg: ident}), 301)
    if pg == "request.check":
        key = request.args.get("id", "")
        return redirect(url_for("requests.check", key=key) if key else url_for("requests.lookup"), 301)
    if pg == "search":
        return redirect(url_for("search.search", q=request.args.get("q", ""),
                                area=request.args.get("area", "kb")), 301)
    if pg == "file":
        return _legacy_file()
    return redirect(url_for(_LEGACY_PLAIN.get(pg, "site.home")), 301)


def _legacy_file():
    ident = _id()
    if ident is None:
        abort(404)
    if request.args.get("from") == "2":
        return redirect(url_for("kb.attachment", attachment_id=ident), 301)
    if request.args.get("from") == "3":
        key = request.args.get("reqid", "")
        return redirect(url_for("requests.attachment", key=key, attachment_id=ident), 301)
    abort(404)
