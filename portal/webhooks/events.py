"""What each webhook event carries, built from the rows the services just wrote (flushed: ids are set).

The services call these where the change happens; each queues nothing when no endpoint subscribes.
Request events carry no access key nor link (the key is the customer's password to the request).
"""
from ..urls import external_url
from .services import emit


def _when(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def request_data(req) -> dict:
    return {"id": req.id, "title": req.title, "status": req.status.name if req.status else None,
            "status_id": req.status_id, "is_open": req.is_open, "urgent": req.urgent,
            "category_id": req.category_id, "assigned_to_id": req.assigned_to_id, "email": req.email,
            "opened_at": _when(req.opened_at), "updated_at": _when(req.updated_at)}


def request_created(req) -> None:
    emit("request.created", {"request": request_data(req)})


def note_added(req, note) -> None:
    emit("request.note_added", {"request": request_data(req), "note": {
        "id": note.id, "public": note.is_public, "by_staff": note.staff_id is not None,
        "staff_id": note.staff_id, "body": note.body, "html": note.is_html, "created_at": _when(note.created_at)}})


def status_changed(req, old_status: str | None) -> None:
    emit("request.status_changed", {"request": request_data(req), "old_status": old_status})


def request_closed(req) -> None:
    emit("request.closed", {"request": request_data(req)})


def page_data(page) -> dict:
    chapter = page.chapter
    return {"id": page.id, "name": page.name, "chapter_id": chapter.id if chapter else None,
            "book_id": chapter.book_id if chapter else None,
            "url": external_url("kb.page", page_id=page.id, slug=page.slug),
            "updated_at": _when(page.updated_at)}


def page_saved(page, *, was_visible: bool) -> None:
    """``kb.page_published`` when a page becomes visible, ``kb.page_updated`` when a visible one is edited."""
    if page.hidden or not page.listed:  # drafts, private and link-only pages are never announced
        return
    emit("kb.page_updated" if was_visible else "kb.page_published", {"page": page_data(page)})


def _topic(topic) -> dict:
    return {"id": topic.id, "title": topic.title, "forum_id": topic.forum_id,
            "url": external_url("forums.topic", topic_id=topic.id, slug=topic.slug)}


def _post(post) -> dict:
    return {"id": post.id, "topic_id": post.topic_id, "name": post.name, "by_staff": post.staff_id is not None,
            "body": post.body, "spam_probability": post.spam_probability, "posted_at": _when(post.posted_at)}


def topic_created(topic, post) -> None:
    if post.spam:
        emit("forum.post_held", {"topic": _topic(topic), "post": _post(post), "first_post": True})
    else:
        emit("forum.topic_created", {"topic": _topic(topic), "post": _post(post)})


def post_created(topic, post) -> None:
    if post.spam:
        emit("forum.post_held", {"topic": _topic(topic), "post": _post(post), "first_post": False})
    else:
        emit("forum.post_created", {"topic": _topic(topic), "post": _post(post)})


def post_approved(topic, post) -> None:
    """A moderator published a held post: ``forum.topic_created`` when it is its topic's first post (the topic
    appears only now), else ``forum.post_created``; the events a post not held would have sent when made."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..forums.models import Post

    first = db.session.scalar(select(func.min(Post.id)).where(Post.topic_id == topic.id))
    emit("forum.topic_created" if first == post.id else "forum.post_created",
         {"topic": _topic(topic), "post": _post(post)})
