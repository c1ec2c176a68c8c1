"""Pages and API replies whose statement count must not grow with the rows they list."""
from portal import cache, settings
from portal.extensions import db
from portal.kb.models import Book, Chapter, Page, Tag
from tests.portal_helpers import count_queries


def add_pages(app, book_id: int, count: int, start: int) -> None:
    """``count`` pages in a new chapter, each tagged and related to the one before (the rows the TOC shows)."""
    with app.app_context():
        book = db.session.get(Book, book_id)
        chapter = Chapter(book=book, name=f"Chapter {start}", position=start)
        previous = None
        for n in range(start, start + count):
            page = Page(chapter=chapter, name=f"Page {n}", body="<p>x</p>", position=n,
                        tags=[Tag(name=f"tag {n}")], related=[previous] if previous else [])
            db.session.add(page)
            previous = page
        db.session.commit()


def test_book_toc_api_statements_do_not_grow_with_pages_tags_and_related_pages(app, client):
    with app.app_context():
        settings.set_value("public_api", True)
        book = Book(name="Guide")
        db.session.add(book)
        db.session.commit()
        book_id = book.id
    add_pages(app, book_id, 2, 0)
    path = f"/api/index.php?method=kb.getBookTOC&xBook={book_id}&output=json"
    client.get(path)
    cache.clear(app)  # both counts include the settings, read again after the commit below
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    add_pages(app, book_id, 12, 100)
    cache.clear(app)
    with count_queries(app) as many:
        reply = client.get(path).get_json()
    pages = [page for chapter in reply["chapter"] for page in chapter["pages"]["page"].values()]
    assert len(pages) == 14
    assert pages[-1]["tags"]["tag"] == ["tag 111"]
    assert pages[-1]["relatedpages"]["relatedpage"][0]["sPageName"] == "Page 110"
    assert len(many) == len(few), many


def test_book_page_statements_do_not_grow_with_pages(app, client):
    with app.app_context():
        book = Book(name="Guide")
        db.session.add(book)
        db.session.commit()
        book_id = book.id
    add_pages(app, book_id, 2, 0)
    client.get(f"/kb/books/{book_id}-guide")
    cache.clear(app)  # both counts include the settings, read again after the commit below
    with count_queries(app) as few:
        client.get(f"/kb/books/{book_id}-guide")
    add_pages(app, book_id, 12, 100)
    cache.clear(app)
    with count_queries(app) as many:
        page = client.get(f"/kb/books/{book_id}-guide").get_data(as_text=True)
    assert "Page 111" in page
    assert len(many) == len(few), many
