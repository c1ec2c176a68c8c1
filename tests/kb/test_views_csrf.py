"""With CSRF protection on (as in production), a vote without the token is refused."""
import re

import pytest

from portal.extensions import db
from portal.kb.models import Book, Chapter, Page


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def page_id(app):
    with app.app_context():
        page = Page(chapter=Chapter(book=Book(name="Guide"), name="Basics"), name="Hello", body="<p>x</p>")
        db.session.add(page)
        db.session.commit()
        return page.id


def helpful(app, page_id):
    with app.app_context():
        return db.session.get(Page, page_id).helpful


def test_a_vote_without_the_token_is_refused(app, client, page_id):
    assert client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "yes"}).status_code == 400
    assert helpful(app, page_id) == 0


def test_the_vote_form_on_the_page_carries_a_working_token(app, client, page_id):
    page = client.get(f"/kb/pages/{page_id}-hello").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "yes", "csrf_token": csrf})
    assert response.status_code == 303 and helpful(app, page_id) == 1
