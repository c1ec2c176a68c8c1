"""The one query function family every search goes through (portal page, suggestions, API, staff).

Each function filters by what the viewer may see: a customer never gets a private book, hidden page,
private forum or held spam post. This first implementation matches words in the database; the Whoosh
index (issue 6) replaces the internals behind the same signatures and result shapes.
"""
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..text import strip_tags


@dataclass
class Hit:
    kind: str                 # "page", "topic" or "request"
    id: int                   # page id, topic id or request id
    title: str                # page name, topic title or request subject
    desc: str                 # plain text, first 120 characters (HelpSpot's ``desc``)
    snippet: Markup           # HTML with the matched terms in <mark>
    score: float = 0.0
    book_id: int | None = None
    book_name: str = ""
    chapter_name: str = ""
    forum_id: int | None = None
    forum_name: str = ""
    posted_at: datetime | None = None


@dataclass
class Results:
    hits: list[Hit]
    total: int
    page: int = 1
    per_page: int = 20
    suggestion: str | None = None  # "did you mean"
    query: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _words(q: str) -> list[str]:
    return [w for w in strip_tags(q).replace('"', " ").split() if w][:8]


def _snippet(text: str, words: list[str], length: int = 200) -> Markup:
    plain = strip_tags(text)
    lower = plain.lower()
    start = min((lower.find(w.lower()) for w in words if w.lower() in lower), default=0)
    start = max(0, start - 40)
    excerpt = plain[start:start + length]
    html = str(escape(excerpt))
    for word in words:
        html = html.replace(str(escape(word)), f"<mark>{escape(word)}</mark>")
    return Markup(("…" if start else "") + html)


def search_kb(q: str, *, page: int = 1, per_page: int = 20, staff=None) -> Results:
    from ..kb.models import Book, Chapter, Page

    words = _words(q)
    if not words:
        return Results([], 0, page, per_page, query=q)
    query = (db.select(Page).join(Page.chapter).join(Chapter.book)
             .options(selectinload(Page.chapter).selectinload(Chapter.book)))
    if staff is None:
        query = query.where(Page.hidden.is_(False), Chapter.hidden.is_(False), Book.private.is_(False))
    for word in words:
        query = query.where(or_(Page.name.ilike(f"%{word}%"), Page.body.ilike(f"%{word}%")))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Page.name).offset((page - 1) * per_page).limit(per_page)).scalars()
    hits = [Hit("page", p.id, p.name, strip_tags(p.body)[:120], _snippet(p.body, words), 1.0,
                book_id=p.chapter.book_id, book_name=p.chapter.book.name, chapter_name=p.chapter.name)
            for p in rows]
    return Results(hits, total, page, per_page, query=q)


def search_forums(q: str, *, page: int = 1, per_page: int = 20, staff=None) -> Results:
    """Topics whose title or a visible post matches, one hit per topic."""
    from ..forums.models import Forum, Post, Topic

    words = _words(q)
    if not words:
        return Results([], 0, page, per_page, query=q)
    query = (db.select(Topic, Post).join(Post, Post.topic_id == Topic.id).join(Topic.forum)
             .where(Post.spam.is_(False), Topic.post_count > 0))
    if staff is None:
        query = query.where(Forum.private.is_(False))
    for word in words:
        query = query.where(or_(Topic.title.ilike(f"%{word}%"), Post.body.ilike(f"%{word}%")))
    seen: dict[int, Hit] = {}
    for topic, post in db.session.execute(query.options(selectinload(Topic.forum)).order_by(Post.id)):
        if topic.id not in seen:
            seen[topic.id] = Hit("topic", topic.id, topic.title, strip_tags(post.body)[:120],
                                 _snippet(post.body, words), 1.0, forum_id=topic.forum_id,
                                 forum_name=topic.forum.name, posted_at=topic.posted_at)
    hits = list(seen.values())
    return Results(hits[(page - 1) * per_page: page * per_page], len(hits), page, per_page, query=q)


def suggest_pages(text: str, *, limit: int = 5) -> list[Hit]:
    """KB pages for what a customer is typing on the request form (the last word may be unfinished)."""
    return search_kb(text, per_page=limit).hits


def search_requests(q: str, *, staff, page: int = 1, per_page: int = 20) -> Results:
    """Requests whose subject, customer or notes match (staff only)."""
    from ..requests.models import Note, Request

    words = _words(q)
    if not words or staff is None:
        return Results([], 0, page, per_page, query=q)
    query = db.select(Request).where(~Request.trashed)
    for word in words:
        like = f"%{word}%"
        query = query.where(or_(Request.title.ilike(like), Request.email.ilike(like), Request.first_name.ilike(like),
                                Request.last_name.ilike(like),
                                Request.id.in_(db.select(Note.request_id).where(Note.body.ilike(like)))))
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Request.updated_at.desc())
                              .offset((page - 1) * per_page).limit(per_page)).scalars()
    hits = [Hit("request", r.id, r.subject, r.display_name, Markup(escape(r.subject)), 1.0, posted_at=r.opened_at)
            for r in rows]
    return Results(hits, total, page, per_page, query=q)
