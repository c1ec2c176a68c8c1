"""The portal search page and the request-form suggestions. Both go through ``search.query`` only."""
from types import SimpleNamespace

from flask import Blueprint, jsonify, make_response, render_template, request, url_for
from flask_babel import lazy_gettext

from .. import settings
from ..deflection import searches
from ..kb import services as kb
from ..pagecache import cached_page
from ..public import login_gate
from ..text import slugify
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


@bp.get("/search")
@cached_page(("kb", "forums"), vary=lambda: index_versions("kb", "forums"),
             args={"q": _query, "area": _area, "page": _page, "exact": _exact})
def search():
    q, area, page = _query(request.args.get("q")), _area(request.args.get("area")), _page(request.args.get("page"))
    exact = _exact(request.args.get("exact"))
    limit = settings.get("max_search_results") or 50
    results = listing = None
    tags = []
    if q:
        tags = kb.tags_named(q.split())
        find = query.search_kb if area == "kb" else query.search_forums
        results = find(q, page=page, per_page=PER_PAGE, forgive=0 if exact else query.FEW)
        total = min(results.total, limit)
        count = max(1, -(-total // PER_PAGE))
        listing = SimpleNamespace(page=page, pages=count, has_prev=page > 1, has_next=page < count, total=total,
                                hits=results.hits[:max(0, limit - (page - 1) * PER_PAGE)])
    response = make_response(render_template("search/search.html", q=q, area=area, areas=AREAS, results=results,
                                             listing=listing, tags=tags))
    if results is not None and page == 1:
        searches.mark_reply(response, q, results.total, results.typed is not None)
    return response


@bp.get("/search/suggest")
def suggest():
    """JSON for the request form's "these pages may answer your question" box: at most 5 KB pages."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    hits = query.suggest_pages(q, limit=5) if len(q) >= 3 else []
    response = jsonify(results=[{"title": hit.title, "url": url_for("kb.page", page_id=hit.id, slug=slugify(hit.title)),
                                 "book": hit.book_name} for hit in hits[:5]])
    response.headers["Cache-Control"] = "no-store"
    return response
