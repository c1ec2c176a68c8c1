"""Knowledge-base editing: services and pages."""
import io

import pytest

from portal.accounts.models import Staff
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db
from portal.kb import editing
from portal.kb.models import Book, Chapter, Page, PageAttachment, PageVote, Tag
from portal.kb.services import vote

from .conftest import load


@pytest.fixture
def book(app, people):
    """A book (edited by the agent and the moderator) with one chapter of three pages:
    (book id, chapter id, [page ids])."""
    with app.app_context():
        book = Book(name="Guide", editors=[db.session.get(Staff, people["agent"]),
                                           db.session.get(Staff, people["moderator"])])
        chapter = Chapter(book=book, name="Basics")
        pages = [Page(chapter=chapter, name=name, position=n) for n, name in enumerate(("One", "Two", "Three"))]
        db.session.add_all([book, chapter, *pages])
        db.session.commit()
        return book.id, chapter.id, [p.id for p in pages]


def test_page_body_is_cleaned_and_tags_and_related_pages_saved(ctx, people, book):
    _, chapter_id, page_ids = book
    staff = db.session.get(Staff, people["agent"])
    body = ('<h2>Setup</h2><script>alert(1)</script><p onclick="x()">Read <a href="javascript:x()">this</a></p>'
            '<table><tr><td>cell</td></tr></table><pre><code>make</code></pre><img src="https://i.test/a.png" alt="a">')
    page = editing.save_page(staff, db.session.get(Chapter, chapter_id), editing.PageInput(
        name="Install", body=body, tags=["Setup", " setup", "Linux", ""], related_ids=[page_ids[0], page_ids[1]]))
    assert "<script>" not in page.body and "onclick" not in page.body and "javascript:" not in page.body
    for kept in ("<h2>Setup</h2>", "<table>", "<code>make</code>", '<img src="https://i.test/a.png" alt="a">'):
        assert kept in page.body
    assert sorted(t.name for t in page.tags) == ["Linux", "Setup"]  # " setup" is the same tag
    assert {p.id for p in page.related} == set(page_ids[:2])
    again = editing.save_page(staff, page.chapter, editing.PageInput(name="Install", body="x", tags=["LINUX"]), page)
    assert [t.name for t in again.tags] == ["Linux"]
    assert db.session.scalar(db.select(db.func.count(Tag.id))) == 2  # "LINUX" reused the Linux tag


def test_a_page_needs_a_name_and_the_kb_right(ctx, people, book):
    _, chapter_id, _ = book
    chapter = db.session.get(Chapter, chapter_id)
    with pytest.raises(ValidationFailed):
        editing.save_page(db.session.get(Staff, people["agent"]), chapter, editing.PageInput(name=" "))
    with pytest.raises(Forbidden):
        editing.save_page(None, chapter, editing.PageInput(name="x"))


def test_move_reorders_siblings(ctx, people, book):
    _, chapter_id, (one, two, three) = book
    staff = db.session.get(Staff, people["agent"])
    editing.move(staff, db.session.get(Page, three), -1)
    names = [p.name for p in db.session.execute(db.select(Page).where(Page.chapter_id == chapter_id)
                                                .order_by(Page.position)).scalars()]
    assert names == ["One", "Three", "Two"]
    editing.move(staff, db.session.get(Page, one), -1)  # already first: stays
    assert db.session.get(Page, one).position == 1


def test_reset_helpful_counts_lets_browsers_vote_again(ctx, people, book):
    _, _, (page_id, _, _) = book
    page = db.session.get(Page, page_id)
    assert vote(page, True, "browser-1")
    editing.reset_helpful(db.session.get(Staff, people["agent"]), page)
    assert (page.helpful, page.not_helpful) == (0, 0)
    assert db.session.execute(db.select(PageVote)).first() is None
    assert vote(page, True, "browser-1")


def test_editing_pages_through_the_staff_views(app, login, book):
    _, chapter_id, (one, two, _) = book
    client = login("moderator")  # moderators write the knowledge base too
    preview = client.post(f"/staff/kb/chapters/{chapter_id}/pages/new",
                          data={"name": "Draft", "body": "<p>Hi</p><script>bad()</script>", "action": "preview"})
    assert preview.status_code == 200 and b"Preview (not saved)" in preview.data and b"bad()</script>" not in preview.data
    with app.app_context():
        assert db.session.execute(db.select(Page).where(Page.name == "Draft")).first() is None
    saved = client.post(f"/staff/kb/chapters/{chapter_id}/pages/new",
                        data={"name": "Draft", "body": "<p>Hi</p>", "tags": "a, b", "related": [str(one)],
                              "hidden": "1", "highlight": "1", "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        page = db.session.execute(db.select(Page).where(Page.name == "Draft")).scalar_one()
        assert page.hidden and page.highlight and [t.name for t in page.tags] == ["a", "b"]
        page_id = page.id
    client.post(f"/staff/kb/pages/{page_id}/attachments", data={"attachment": (io.BytesIO(b"%PDF"), "guide.pdf")},
                content_type="multipart/form-data")
    blocked = client.post(f"/staff/kb/pages/{page_id}/attachments", follow_redirects=True,
                          data={"attachment": (io.BytesIO(b"MZ"), "tool.exe")}, content_type="multipart/form-data")
    assert b"not accepted" in blocked.data
    with app.app_context():
        assert [a.filename for a in db.session.execute(db.select(PageAttachment)).scalars()] == ["guide.pdf"]
    assert b"guide.pdf" in client.get(f"/staff/kb/pages/{page_id}").data


def test_books_and_chapters_through_the_views(app, login, book):
    book_id, chapter_id, _ = book
    refused = login("agent").post("/staff/kb/books/new", data={"name": "Agent's own", "private": "1"})
    assert refused.status_code == 403  # administrators create books
    login("administrator").post("/staff/kb/books/new", data={"name": "Staff handbook", "private": "1"})
    client = login("agent")  # an editor of the book adds its chapters
    client.post(f"/staff/kb/books/{book_id}/chapters/new", data={"name": "Extras", "appendix": "1", "hidden": "1"})
    with app.app_context():
        assert db.session.execute(db.select(Book).where(Book.name == "Staff handbook")).scalar_one().private
        extra = db.session.execute(db.select(Chapter).where(Chapter.name == "Extras")).scalar_one()
        assert extra.appendix and extra.hidden
    page = client.get(f"/staff/kb/books/{book_id}").data
    assert b"Extras" in page and b"hidden" in page


def test_deleting_a_book_asks_first(app, login, book, people, caplog):
    book_id, _, page_ids = book
    assert login("agent").post(f"/staff/kb/book/{book_id}/delete", data={"confirm": "1"}).status_code == 403
    client = login("administrator")  # a whole book: administrators only
    asked = client.post(f"/staff/kb/book/{book_id}/delete")
    assert b'name="confirm"' in asked.data
    with app.app_context():
        assert load(Book, book_id) is not None
    with caplog.at_level("INFO", logger="portal.kb.editing"):
        client.post(f"/staff/kb/book/{book_id}/delete", data={"confirm": "1"})
    with app.app_context():
        assert load(Book, book_id) is None and load(Page, page_ids[0]) is None
    assert f"staff={people['administrator']} deleted book {book_id}" in caplog.text


def test_reset_counts_view_needs_confirmation(app, login, book):
    _, _, (page_id, _, _) = book
    with app.app_context():
        load(Page, page_id).helpful = 5
        db.session.commit()
    client = login("agent")
    client.post(f"/staff/kb/pages/{page_id}/reset-helpful")
    with app.app_context():
        assert load(Page, page_id).helpful == 5
    client.post(f"/staff/kb/pages/{page_id}/reset-helpful", data={"confirm": "1"})
    with app.app_context():
        assert load(Page, page_id).helpful == 0


def test_unknown_kinds_are_404(login):
    assert login("agent").post("/staff/kb/shelf/1/delete", data={"confirm": "1"}).status_code == 404


def test_staff_search_finds_hidden_pages_and_private_books(app, login, book):
    _, _, (page_id, _, _) = book
    with app.app_context():
        page = load(Page, page_id)
        page.body, page.hidden = "<p>Rotate the frobnicator weekly.</p>", True
        page.chapter.book.private = True
        db.session.commit()
    found = login("agent").get("/staff/kb?q=frobnicator").data.decode()
    assert "1 result" in found and f'href="/staff/kb/pages/{page_id}"' in found
