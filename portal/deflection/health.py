"""Content health: which knowledge-book pages need an editor's attention, and page views counted.

Lowest-rated pages (share of "not helpful" among pages with enough votes), pages not updated for the
``stale_page_days`` setting, searches that found nothing (searches.py), the most-viewed pages, and pages
whose internal links point at pages, chapters or books that no longer exist."""
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import settings
from ..dates import utcnow
from ..extensions import db
from ..kb.models import Book, Chapter, Page
from .models import PageView

MIN_VOTES = 5
LIMIT = 20
VIEW_HEADER = "X-Portico-Page-View"
VIEW_FLUSH_SECONDS = 30.0
_LINK = re.compile(r"""href=["'](?:https?://([^/"']+))?/?(?:kb/(pages|chapters|books)/(\d+)|"""
                   r"""(?:index\.php)?\?pg=kb\.(page|chapter|book)&(?:amp;)?id=(\d+))""")
_MODELS: dict[str, Any] = {"page": Page, "chapter": Chapter, "book": Book}


@dataclass
class BrokenLink:
    page: Page
    kind: str
    target_id: int


def lowest_rated(limit: int = LIMIT) -> list[tuple[Page, float]]:
    votes = Page.helpful + Page.not_helpful
    share = Page.not_helpful * 1.0 / votes
    rows = db.session.execute(select(Page, share).where(votes >= MIN_VOTES, Page.not_helpful > 0)
                              .order_by(share.desc(), votes.desc(), Page.id).limit(limit))
    return [(page, float(value)) for page, value in rows]


def stale(limit: int = 50) -> list[Page]:
    cutoff = utcnow() - timedelta(days=settings.get("stale_page_days") or 365)
    return list(db.session.scalars(select(Page).where(Page.updated_at < cutoff)
                                   .order_by(Page.updated_at, Page.id).limit(limit)))


def most_viewed(days: int = 30, limit: int = LIMIT) -> list[tuple[Page, int]]:
    """The pages viewed most in the last ``days`` days (this worker's views not yet written are written first).
    """
    flush_views()
    since = utcnow().date() - timedelta(days=days - 1)
    total = func.sum(PageView.count).label("views")
    top = (select(PageView.page_id, total).where(PageView.day >= since).group_by(PageView.page_id)
           .order_by(total.desc(), PageView.page_id).limit(limit).subquery())
    rows = db.session.execute(select(Page, top.c.views).join(top, top.c.page_id == Page.id)
                              .order_by(top.c.views.desc(), Page.id))
    return [(page, int(views)) for page, views in rows]


def broken_links(limit: int = 50) -> list[BrokenLink]:
    """Internal links (``/kb/pages/N``, chapters, books, and HelpSpot's ``?pg=kb.page&id=N``) to rows that no
    longer exist. Reads page bodies in batches; then one query per kind for the ids linked to."""
    found: list[tuple[int, str, int]] = []
    ours = urlsplit(current_app.config.get("PUBLIC_URL") or "").netloc.lower()
    rows = db.session.execute(select(Page.id, Page.body).where(Page.body.contains("href"))
                              .execution_options(yield_per=500))
    for page_id, body in rows:
        for match in _LINK.finditer(body or ""):
            if match.group(1) and match.group(1).lower() != ours:
                continue  # another site's link
            kind = (match.group(2) or "")[:-1] or match.group(4)
            found.append((page_id, kind, int(match.group(3) or match.group(5))))
    missing: set[tuple[str, int]] = set()
    for kind, model in _MODELS.items():
        wanted = {target for _, k, target in found if k == kind}
        existing = set(db.session.scalars(select(model.id).where(model.id.in_(wanted)))) if wanted else set()
        missing |= {(kind, target) for target in wanted - existing}
    broken = list(dict.fromkeys((p, k, t) for p, k, t in found if (k, t) in missing))[:limit]
    pages = {page.id: page for page in db.session.scalars(select(Page).where(Page.id.in_({p for p, _, _ in broken})))}
    return [BrokenLink(pages[p], k, t) for p, k, t in broken if p in pages]


def mark_view(response, page_id: int) -> None:
    """Say on a page's reply that it was viewed (kept by the page cache; ``count_view_from_reply`` counts)."""
    response.headers[VIEW_HEADER] = str(page_id)


def count_view_from_reply(response):
    """``after_request`` of the knowledge-book pages: note a view the reply names, never send the header.

    Views are added up in this worker and written at most every VIEW_FLUSH_SECONDS (with the request that
    comes then): a page answered from the page cache then runs no SQL, as before views were counted. A
    worker that stops loses at most that long's views."""
    said = response.headers.pop(VIEW_HEADER, None)
    if said and said.isdigit() and response.status_code == 200:
        buffer = _views()
        with buffer.lock:
            buffer.pending[(int(said), utcnow().date())] += 1
            due = time.monotonic() - buffer.flushed >= VIEW_FLUSH_SECONDS
        if due:
            flush_views()
    return response


class _ViewBuffer:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending: Counter = Counter()
        self.flushed = time.monotonic()


def _views() -> _ViewBuffer:
    return current_app.extensions.setdefault("portico_page_views", _ViewBuffer())


def flush_views() -> None:
    """Write the views this worker has added up (flushes, never commits: the current unit of work does)."""
    buffer = _views()
    with buffer.lock:
        pending, buffer.pending, buffer.flushed = buffer.pending, Counter(), time.monotonic()
    for (page_id, day), count in sorted(pending.items()):
        count_view(page_id, day, count)


def page_views(page_ids: list[int]) -> dict[int, int]:
    """{page id: views}, one grouped statement over the ``uq_page_view_page_day`` index (this worker's
    views not yet written are written first, as content health does)."""
    if not page_ids:
        return {}
    flush_views()
    rows = db.session.execute(db.select(PageView.page_id, db.func.sum(PageView.count))
                              .where(PageView.page_id.in_(page_ids)).group_by(PageView.page_id))
    return {page_id: int(total or 0) for page_id, total in rows}


def count_view(page_id: int, day, count: int = 1) -> None:
    """``count`` more views of a page on ``day``. Flushes, never commits."""
    bump = db.update(PageView).where(PageView.page_id == page_id, PageView.day == day).values(
        count=PageView.count + count)
    bumped: Any = db.session.execute(bump)  # a CursorResult: an UPDATE's rows matched
    if bumped.rowcount:
        return
    try:
        with db.session.begin_nested():  # another worker may count the first view of the day too
            db.session.add(PageView(page_id=page_id, day=day, count=count))
    except IntegrityError:
        db.session.execute(bump)
