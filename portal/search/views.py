"""The portal search page and the request-form suggestions. Both go through ``search.query`` only."""
from types import SimpleNamespace

from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext

from .. import settings
from ..deflection import searches, suggestions
from ..kb import languages
from ..kb import services as kb
from ..pagecache import cached_page
from ..public import login_gate
from ..urls import page_number
from . import index_versions, query

bp = Blueprint("search", __name__)
bp.before_request(login_gate)
bp.after_request(searches.count_from_reply)

AREAS = {"kb": lazy_gettext("Knowledge books"), "forums": lazy_gettext("Forums")}
PER_PAGE = 10
MAX_QUERY = 200


def _query(raw: str | None) -> str:
    return (raw or "").strip()[:MAX_QUERY]


def _area(raw: str | None) -> str:
    return raw if raw in AREAS else "kb"


def _last_page() -> int:
    # Never page past the configured most results (HelpSpot's cHD_MAXSEARCHRESULTS).
    return max(1, -(-(settings.get("max_search_results") or 50) // PER_PAGE))


def _page(raw: str | None) -> int:
    return min(page_number(raw), _last_page())


def _exact(raw: str | None) -> bool:
    return raw == "1"  # "Search instead for ...": no forgiving retry


def _language(lang: str | None = None) -> str:
    """The visitor's language: the URL prefix (/de/search; one the site lacks is a 404), the switcher's
    choice, Accept-Language, the default."""
    if lang is not None and not languages.is_enabled(lang):
        abort(404)
    return languages.from_request(lang)


def _vary(lang=None):
    language = _language(lang)
    return language, index_versions(query.kb_kind(language), "forums")


@bp.get("/search")
@bp.get("/<lang>/search")
@cached_page(("kb", "forums"), vary=_vary, args={"q": _query, "area": _area, "page": _page, "exact": _exact})
def search(lang=None):
    """Search in the visitor's language: KB pages by their translation in it (stemmed in that language),
    else by the default language's text; forums as written."""
    language = _language(lang)
    url_lang = None if language == languages.default() else language
    q, area, page = _query(request.args.get("q")), _area(request.args.get("area")), _page(request.args.get("page"))
    exact = _exact(request.args.get("exact"))
    limit = settings.get("max_search_results") or 50
    results = listing = None
    tags = []
    if q:
        tags = kb.tags_named(q.split())
        if area == "kb":
            more = {"language": url_lang} if url_lang else {}  # (the default language: kb.search's index)
            results = query.search_kb(q, page=page, per_page=PER_PAGE, forgive=0 if exact else query.FEW, **more)
        else:
            results = query.search_forums(q, page=page, per_page=PER_PAGE, forgive=0 if exact else query.FEW)
        total = min(results.total, limit)
        count = max(1, -(-total // PER_PAGE))
        listing = SimpleNamespace(page=page, pages=count, has_prev=page > 1, has_next=page < count, total=total,
                                hits=results.hits[:max(0, limit - (page - 1) * PER_PAGE)])
    response = make_response(render_template("search/search.html", q=q, area=area, areas=AREAS, results=results,
                                             listing=listing, tags=tags, language=language, url_lang=url_lang,
                                             language_names=languages.NAMES,
                                             default_language=languages.default()))
    response.vary.update(("Accept-Language", "Cookie"))
    if results is not None and page == 1:
        searches.mark_reply(response, q, results.total, results.typed is not None)
    return response


@bp.get("/search/suggest")
def suggest():
    """JSON: at most 5 KB pages for what is typed (``lang``: the visitor's language). The forms' suggestions
    (portal.deflection, /help/suggest) with their pages only and nothing counted; kept for clients of it."""
    lang = suggestions.url_language(request.args.get("lang"))
    found = suggestions.best(request.args.get("q", "")[:MAX_QUERY], lang=lang, topics=False)
    response = jsonify(results=[{"title": s.title, "book": s.where, "url": s.url} for s in found])
    response.headers["Cache-Control"] = "no-store"
    return response
