""""Was this helpful?" votes and page downloads on the portal."""
import pytest

from portal import files
from portal.extensions import db
from portal.kb.models import Book, Chapter, Page, PageAttachment, PageVote
from portal.kb.views import VOTER_COOKIE


@pytest.fixture
def pages(app):
    with app.app_context():
        book = Book(name="Guide")
        chapter = Chapter(book=book, name="Basics")
        page = Page(chapter=chapter, name="Reset a password", body="<p>Use the link.</p>")
        hidden = Page(chapter=chapter, name="Draft", body="<p>x</p>", hidden=True, position=1)
        private_book = Book(name="Internal", private=True)
        private = Page(chapter=Chapter(book=private_book, name="Ops"), name="Secret", body="<p>y</p>")
        db.session.add_all([book, chapter, page, hidden, private_book, private])
        db.session.commit()
        return {"page": page.id, "hidden": hidden.id, "private": private.id}


def counts(app, page_id):
    with app.app_context():
        page = db.session.get(Page, page_id)
        return page.helpful, page.not_helpful


def test_a_vote_is_counted_and_the_browser_gets_a_long_lived_private_cookie(app, client, pages):
    response = client.post(f"/kb/pages/{pages['page']}/vote", data={"helpful": "yes"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/kb/pages/{pages['page']}-reset-a-password#vote"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{VOTER_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=315360000" in cookie
    assert counts(app, pages["page"]) == (1, 0)

    page = client.get(f"/kb/pages/{pages['page']}-reset-a-password").get_data(as_text=True)
    assert '<p class="vote-thanks" role="status">Thank you for your feedback.</p>' in page
    assert 'name="helpful"' not in page  # the buttons are gone once voted


def test_one_vote_per_page_per_browser(app, client, pages):
    client.post(f"/kb/pages/{pages['page']}/vote", data={"helpful": "no"})
    again = client.post(f"/kb/pages/{pages['page']}/vote", data={"helpful": "yes"}, follow_redirects=True)
    assert "You have already rated this page." in again.get_data(as_text=True)
    assert counts(app, pages["page"]) == (0, 1)
    other_browser = app.test_client()
    other_browser.post(f"/kb/pages/{pages['page']}/vote", data={"helpful": "yes"})
    assert counts(app, pages["page"]) == (1, 1)
    with app.app_context():
        assert db.session.query(PageVote).count() == 2


def test_a_forged_voter_cookie_is_replaced(app, client, pages):
    client.set_cookie(VOTER_COOKIE, "<script>")
    response = client.post(f"/kb/pages/{pages['page']}/vote", data={"helpful": "yes"})
    assert "<script>" not in response.headers["Set-Cookie"]
    assert counts(app, pages["page"]) == (1, 0)


def test_a_page_not_yet_voted_on_shows_the_buttons(client, pages):
    page = client.get(f"/kb/pages/{pages['page']}-reset-a-password").get_data(as_text=True)
    assert 'name="helpful" value="yes"' in page and 'name="helpful" value="no"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("data", [{}, {"helpful": "maybe"}])
def test_a_vote_without_a_choice_is_refused(app, client, pages, data):
    assert client.post(f"/kb/pages/{pages['page']}/vote", data=data).status_code == 400
    assert counts(app, pages["page"]) == (0, 0)


@pytest.mark.parametrize("key", ["hidden", "private"])
def test_votes_on_pages_customers_cannot_see_are_404(app, client, pages, key):
    assert client.post(f"/kb/pages/{pages[key]}/vote", data={"helpful": "yes"}).status_code == 404
    assert counts(app, pages[key]) == (0, 0)


def test_voting_needs_post(client, pages):
    assert client.get(f"/kb/pages/{pages['page']}/vote").status_code == 405


def attach(app, page_id, name, mime, data, downloadable=True):
    with app.app_context():
        digest = files.store(data)
        item = PageAttachment(page_id=page_id, filename=name, mime_type=mime, size=len(data), sha256=digest,
                              downloadable=downloadable)
        db.session.add(item)
        db.session.commit()
        return item.id


def test_a_download_is_an_attachment_never_sniffed(app, client, pages):
    file_id = attach(app, pages["page"], "guide.html", "text/html", b"<script>alert(1)</script>")
    page = client.get(f"/kb/pages/{pages['page']}-reset-a-password").get_data(as_text=True)
    assert f'href="/kb/files/{file_id}">guide.html</a>' in page and "Downloads" in page
    response = client.get(f"/kb/files/{file_id}")
    assert response.status_code == 200 and response.data == b"<script>alert(1)</script>"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "guide.html" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_an_image_is_shown_inline_and_not_listed_when_it_belongs_in_the_body(app, client, pages):
    file_id = attach(app, pages["page"], "screen.png", "image/png", b"\x89PNG fake", downloadable=False)
    response = client.get(f"/kb/files/{file_id}")
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Downloads" not in client.get(f"/kb/pages/{pages['page']}-reset-a-password").get_data(as_text=True)


def test_an_svg_is_always_downloaded(app, client, pages):
    file_id = attach(app, pages["page"], "logo.svg", "image/svg+xml", b"<svg onload='x()'/>")
    assert client.get(f"/kb/files/{file_id}").headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("key", ["hidden", "private"])
def test_files_of_pages_customers_cannot_see_are_404(app, client, pages, key):
    file_id = attach(app, pages[key], "notes.txt", "text/plain", b"secret")
    response = client.get(f"/kb/files/{file_id}")
    assert response.status_code == 404 and b"secret" not in response.data


def test_a_missing_file_is_404(app, client, pages):
    assert client.get("/kb/files/999").status_code == 404
    file_id = attach(app, pages["page"], "gone.txt", "text/plain", b"soon gone")
    with app.app_context():
        files.path_for(db.session.get(PageAttachment, file_id).sha256).unlink()
    assert client.get(f"/kb/files/{file_id}").status_code == 404
