"""The portal search page and the request-form suggestions. Both go through ``search.query`` only."""
from types import SimpleNamespace

from flask import Blueprint, jsonify, render_template, request, url_for

from .. import settings
from ..kb import services as kb
from ..pagecache import cached_page
from ..public import login_gate
from . import index_versions
from ..text import slugify
from . import query

bp = Blueprint("search", __name__)
bp.before_request(login_gate)

AREAS = {"kb": "Knowledge books", "forums": "Forums"}
PER_PAGE = 10
MAX_QUERY = 200


@bp.get("/search")
@cached_page(("kb", "forums"), vary=lambda: index_versions("kb", "forums"))
def search():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    area = request.args.get("area", "kb")
    if area not in AREAS:
        area = "kb"
    # Never page past the configured most results (HelpSpot's cHD_MAXSEARCHRESULTS).
    limit = settings.get("max_search_results") or 50
    last_page = max(1, -(-limit // PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), last_page)
    results = listing = None
    tags = []
    if q:
        tags = kb.tags_named(q.split())
        find = query.search_kb if area == "kb" else query.search_forums
        results = find(q, page=page, per_page=PER_PAGE)
        total = min(results.total, limit)
        count = max(1, -(-total // PER_PAGE))
        listing = SimpleNamespace(page=page, pages=count, has_prev=page > 1, has_next=page < count, total=total,
                                hits=results.hits[:max(0, limit - (page - 1) * PER_PAGE)])
    return render_template("search/search.html", q=q, area=area, areas=AREAS, results=results, listing=listing,
                           tags=tags)


@bp.get("/search/suggest")
def suggest():
    """JSON for the request form's "these pages may answer your question" box: at most 5 KB pages."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    hits = query.suggest_pages(q, limit=5) if len(q) >= 3 else []
    response = jsonify(results=[{"title": hit.title, "url": url_for("kb.page", page_id=hit.id, slug=slugify(hit.title)),
                                 "book": hit.book_name} for hit in hits[:5]])
    response.headers["Cache-Control"] = "no-store"
    return response
