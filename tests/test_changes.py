"""The change feed: one record of what a transaction wrote, handed to every subscriber after the commit,
dropped for all on rollback."""
import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from portal import changes
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, Tag
from portal.requests.models import Note, Request


@pytest.fixture
def heard(ctx):
    """Change sets handed to a subscriber registered for the test (one registration, as in production)."""
    received = []

    def subscriber(change_set):
        received.append(change_set)
    changes.subscribe(subscriber)
    yield received
    changes._committed.remove(subscriber)


def _request():
    req = Request(email="pat@example.com", title="Printer", password="abcdefgh")
    db.session.add(req)
    db.session.flush()
    return req


def test_a_commit_hands_tables_rows_and_owners(heard):
    req = _request()
    db.session.add(Note(request_id=req.id, body="hello"))
    db.session.commit()
    (change_set,) = heard
    assert {"request", "note"} <= change_set.tables
    assert change_set.ids("request") == {req.id}
    assert change_set.owners["request"] == {req.id}  # the note's request


def test_a_rollback_hands_nothing(heard):
    _request()
    db.session.rollback()
    db.session.commit()
    assert heard == []


def test_a_savepoint_rolled_back_keeps_the_outer_record(heard):
    req = _request()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            db.session.add(Note(request_id=req.id, body="dropped"))
            db.session.flush()
            raise RuntimeError
    db.session.commit()
    assert heard and req.id in heard[0].ids("request")


def test_bulk_statements_are_seen(heard):
    req = _request()
    db.session.commit()
    heard.clear()
    db.session.execute(update(Note).where(Note.request_id == req.id).values(pinned=True))
    db.session.commit()
    assert heard[0].tables == {"note"} and heard[0].unowned == {"note"}
    heard.clear()
    db.session.execute(text("UPDATE request SET urgent = urgent"))
    db.session.commit()
    assert heard[0].wrote("anything at all")


def test_a_moved_child_changes_both_parents(heard):
    forum = Forum(name="General")
    db.session.add(forum)
    db.session.flush()
    first, second = Topic(forum_id=forum.id, title="One", starter_name="Pat"), Topic(forum_id=forum.id, title="Two", starter_name="Pat")
    db.session.add_all([first, second])
    db.session.flush()
    post = Post(topic_id=first.id, body="hi", name="Pat")
    db.session.add(post)
    db.session.commit()
    heard.clear()
    post.topic_id = second.id
    db.session.commit()
    assert heard[0].ids("topic") >= {first.id, second.id}


def test_a_deleted_tag_changes_its_pages(heard):
    book = Book(name="Guide")
    chapter = Chapter(book=book, name="Start")
    tag = Tag(name="printers")
    page = Page(chapter=chapter, name="Paper jams", tags=[tag])
    db.session.add_all([book, chapter, tag, page])
    db.session.commit()
    heard.clear()
    db.session.delete(tag)
    db.session.commit()
    assert page.id in heard[0].ids("page")


def test_after_commit_calls_run_after_the_commit_and_not_after_a_rollback(heard):
    ran = []
    _request()
    changes.after_commit(ran.append, "dropped")
    db.session.rollback()
    _request()
    changes.after_commit(ran.append, "sent")
    assert ran == []
    db.session.commit()
    assert ran == ["sent"]


def test_a_failing_subscriber_does_not_stop_the_others_or_undo_the_commit(heard, caplog):
    def broken(change_set):
        raise RuntimeError("subscriber bug")
    changes._committed.insert(0, broken)
    try:
        req = _request()
        db.session.commit()
    finally:
        changes._committed.remove(broken)
    assert heard and "subscriber bug" in caplog.text
    assert db.session.get(Request, req.id) is not None


def test_only_the_apps_session_is_watched(heard):
    with Session(db.engine) as other:
        other.add(Request(email="other@example.com", title="Elsewhere", password="abcdefgh"))
        other.commit()
    assert heard == []


def test_the_tracker_is_registered_once(app):
    from sqlalchemy import event

    from portal import create_app  # noqa: F401  (a second app in the process must not add listeners)
    assert all(event.contains(db.session, name, listener) for name, listener in changes._LISTENERS)
