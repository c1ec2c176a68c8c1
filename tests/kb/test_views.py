"""The knowledge-book pages of the portal: books, table of contents, chapters, pages, tags, printing."""
import re

import pytest

from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, Tag
from tests.portal_helpers import add_login_route, count_queries


@pytest.fixture
def library(app):
    """A public book (numbered chapters, a hidden chapter, a hidden page, an appendix) and a private book."""
    with app.app_context():
        setup, crash = Tag(name="setup"), Tag(name="crash & burn")
        guide = Book(name="User Guide", description="All about the app.", position=0)
        start = Chapter(book=guide, name="Getting Started", position=0)
        secret = Chapter(book=guide, name="Secret Chapter", position=1, hidden=True)
        trouble = Chapter(book=guide, name="Troubleshooting", position=2)
        glossary = Chapter(book=guide, name="Glossary", position=3, appendix=True)
        first = Page(chapter=start, name="First steps", body="<p>Open the <strong>app</strong>.</p>", position=0,
                     highlight=True, tags=[setup])
        second = Page(chapter=start, name="Second steps", body="Line one\nLine two", position=1)
        Page(chapter=secret, name="Page in a hidden chapter", body="<p>x</p>")
        fix = Page(chapter=trouble, name="Crash fix", body="<p>Restart.</p>", position=0, tags=[crash, setup])
        draft = Page(chapter=trouble, name="Draft page", body="<p>Not ready</p>", position=1, hidden=True)
        terms = Page(chapter=glossary, name="Terms", body="<p>Words.</p>")
        internal = Book(name="Internal", private=True, position=5)
        internal_chapter = Chapter(book=internal, name="Escalations")
        private_page = Page(chapter=internal_chapter, name="Night rota", body="<p>Call Bob.</p>")
        db.session.add_all([guide, internal, start, secret, trouble, glossary, internal_chapter])
        db.session.flush()
        first.related = [fix, draft, private_page]
        db.session.commit()
        return {"guide": guide.id, "internal": internal.id, "start": start.id, "secret": secret.id,
                "trouble": trouble.id, "glossary": glossary.id, "first": first.id, "second": second.id,
                "fix": fix.id, "draft": draft.id, "terms": terms.id, "private_page": private_page.id,
                "internal_chapter": internal_chapter.id, "setup": setup.id, "crash": crash.id}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_books_lists_public_books_only(client, library):
    page = text_of(client.get("/kb"))
    assert "User Guide" in page and "All about the app." in page
    assert "Internal" not in page
    assert f'href="/kb/books/{library["guide"]}-user-guide"' in page
    assert "<title>Knowledge books · Portico Help Desk</title>" in page


@pytest.mark.parametrize("path", ["/kb/books/{id}", "/kb/books/{id}-old-name"])
def test_book_without_or_with_a_stale_slug_redirects_to_the_canonical_url(client, library, path):
    response = client.get(path.format(id=library["guide"]) + "?x=1")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/kb/books/{library['guide']}-user-guide?x=1"


def test_book_shows_a_numbered_table_of_contents(client, library):
    page = text_of(client.get(f"/kb/books/{library['guide']}-user-guide"))
    assert "<h1>User Guide</h1>" in page
    # Chapters are numbered 1, 2 (the hidden chapter is skipped), pages 1.1, 1.2, 2.1; the appendix page is 1.
    number = r'<span class="toc-number">{}</span> <a href="[^"]+">{}</a>'
    assert re.search(".*".join(number.format(n, name) for n, name in (
        (r"1\.", "Getting Started"), (r"1\.1", "First steps"), (r"1\.2", "Second steps"),
        (r"2\.", "Troubleshooting"), (r"2\.1", "Crash fix"))), page)
    assert re.search(r"Appendices.*Glossary</a>.*" + number.format("1", "Terms"), page)
    assert "Secret Chapter" not in page and "Draft page" not in page
    assert f'href="/kb/books/{library["guide"]}/print"' in page


@pytest.mark.parametrize("path", ["/kb/books/{internal}-internal", "/kb/books/{internal}/print", "/kb/books/999",
                                  "/kb/chapters/{internal_chapter}-escalations", "/kb/chapters/{secret}",
                                  "/kb/pages/{private_page}-night-rota", "/kb/pages/{draft}-draft-page",
                                  "/kb/pages/999-nothing", "/kb/chapters/999", "/tags/999"])
def test_private_hidden_and_missing_things_are_a_proper_404_page(client, library, path):
    response = client.get(path.format(**library))
    assert response.status_code == 404
    page = text_of(response)
    assert "Page not found" in page and 'name="q"' in page  # the error page, in the layout, with a search box
    assert "Night rota" not in page and "Call Bob" not in page


def test_a_hidden_page_in_a_visible_chapter_is_404_but_staff_may_preview_it(app, client, library, make_staff):
    add_login_route(app)
    staff_id = make_staff()
    assert client.get(f"/kb/pages/{library['draft']}-draft-page").status_code == 404
    client.get(f"/_test/login/staff/{staff_id}")
    assert "Not ready" in client.get(f"/kb/pages/{library['draft']}-draft-page").get_data(as_text=True)


def test_chapter_lists_its_pages_and_links_the_neighbouring_chapters(client, library):
    page = text_of(client.get(f"/kb/chapters/{library['trouble']}-troubleshooting"))
    assert "<h1>Troubleshooting</h1>" in page and "Chapter 2" in page
    assert "Crash fix" in page and "Draft page" not in page
    assert f'rel="prev" href="/kb/chapters/{library["start"]}-getting-started"' in page
    assert f'rel="next" href="/kb/chapters/{library["glossary"]}-glossary"' in page
    first = text_of(client.get(f"/kb/chapters/{library['start']}-getting-started"))
    assert 'rel="prev"' not in first
    assert client.get(f"/kb/chapters/{library['start']}").headers["Location"].endswith("-getting-started")


def test_page_shows_body_tags_related_pages_and_neighbours(client, library):
    page = text_of(client.get(f"/kb/pages/{library['first']}-first-steps"))
    assert "<title>First steps · User Guide · Portico Help Desk</title>" in page
    assert "<p>Open the <strong>app</strong>.</p>" in page
    assert f'href="/tags/{library["setup"]}-setup"' in page
    # Related: the visible one only (not the hidden page, not the private book's page).
    assert "Crash fix" in page and "Draft page" not in page and "Night rota" not in page
    assert f'rel="next" href="/kb/pages/{library["second"]}-second-steps"' in page and 'rel="prev"' not in page
    assert "Was this page helpful?" in page
    # Breadcrumb: Home > Knowledge books > book > chapter > page.
    assert re.search(r'Knowledge books</a>.*User Guide</a>.*Getting Started</a>.*aria-current="page">First steps', page)


def test_page_body_text_gets_line_breaks_and_stored_script_is_never_rendered(app, client, library):
    assert "Line one<br>" in client.get(f"/kb/pages/{library['second']}-second-steps").get_data(as_text=True)
    with app.app_context():
        db.session.get(Page, library["fix"]).body = '<p onclick="x()">Hi</p><script>alert(1)</script>'
        db.session.commit()
    body = client.get(f"/kb/pages/{library['fix']}-crash-fix").get_data(as_text=True)
    assert "<script>alert" not in body and "onclick" not in body and "<p>Hi</p>" in body


def test_page_without_slug_redirects(client, library):
    response = client.get(f"/kb/pages/{library['first']}")
    assert response.status_code == 301 and response.headers["Location"] == f"/kb/pages/{library['first']}-first-steps"


def test_printable_book_has_every_visible_page_with_anchors(client, library):
    page = text_of(client.get(f"/kb/books/{library['guide']}/print"))
    assert f'href="#p{library["first"]}"' in page and f'id="p{library["first"]}"' in page
    assert f'id="c{library["start"]}"' in page
    for text in ("Open the <strong>app</strong>", "Restart.", "Words."):
        assert text in page
    assert "Not ready" not in page and "Page in a hidden chapter" not in page


def test_tag_page_lists_pages_and_forum_topics_with_the_tag(app, client, library):
    with app.app_context():
        tag = db.session.get(Tag, library["setup"])
        public = Forum(name="Help")
        hidden = Forum(name="Staff room", private=True)
        shown = Topic(forum=public, title="Setting up on Linux", starter_name="Ann", post_count=1, tags=[tag])
        secret = Topic(forum=hidden, title="Secret setup", starter_name="Bob", post_count=1, tags=[tag])
        db.session.add_all([public, hidden, shown, secret,
                            Post(topic=shown, name="Ann", body="x"), Post(topic=secret, name="Bob", body="y")])
        db.session.commit()
    page = text_of(client.get(f"/tags/{library['setup']}-setup"))
    assert "<h1>Tag: setup</h1>" in page
    assert "First steps" in page and "Crash fix" in page
    assert "Setting up on Linux" in page and "Secret setup" not in page
    assert client.get(f"/tags/{library['crash']}").headers["Location"] == f"/tags/{library['crash']}-crash-burn"
    assert "No forum topics carry this tag." in text_of(client.get(f"/tags/{library['crash']}-crash-burn"))


def test_book_contents_use_a_fixed_number_of_queries(app, client, library):
    """The table of contents loads chapters and their pages in bulk, whatever the number of rows."""
    url = f"/kb/books/{library['guide']}-user-guide"
    client.get(url)
    with count_queries(app) as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        book = db.session.get(Book, library["guide"])
        for n in range(8):
            chapter = Chapter(book=book, name=f"Extra {n}", position=10 + n)
            db.session.add(chapter)
            for m in range(5):
                db.session.add(Page(chapter=chapter, name=f"Extra page {n}.{m}", body="<p>x</p>", position=m,
                                    tags=[]))
        db.session.commit()
    with count_queries(app) as many:
        page = client.get(url).get_data(as_text=True)
    assert "Extra page 7.4" in page
    assert len(many) == len(few), many
    with count_queries(app) as printed:
        assert "Extra page 7.4" in client.get(f"/kb/books/{library['guide']}/print").get_data(as_text=True)
    assert len(printed) <= len(few) + 1


def test_page_with_many_related_pages_uses_a_fixed_number_of_queries(app, client, library):
    url = f"/kb/pages/{library['first']}-first-steps"
    client.get(url)
    with count_queries(app) as few:
        client.get(url)
    with app.app_context():
        page = db.session.get(Page, library["first"])
        for n in range(6):
            book = Book(name=f"Other book {n}")
            page.related.append(Page(chapter=Chapter(book=book, name=f"Other chapter {n}"),
                                     name=f"Other related {n}", body="<p>x</p>"))
        db.session.commit()
    with count_queries(app) as many:
        assert "Other related 5" in client.get(url).get_data(as_text=True)
    assert len(many) == len(few), many
