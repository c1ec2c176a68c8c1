"""Content builders for search tests: rows written through the ORM and committed, as the services do."""
import pytest

from portal.extensions import db
from tests import factories


class Content:
    """Books, pages, forums, topics, posts and requests from tests/factories.py, each committed (the index
    follows commits)."""

    def book(self, name="Getting started", private=False):
        return self._committed(factories.book(name, private=private))

    def chapter(self, book, name="Basics", hidden=False):
        return self._committed(factories.chapter(book, name, hidden=hidden))

    def page(self, chapter, name, body="", hidden=False, tags=()):
        return self._committed(factories.page(chapter, name, body, tags=tags, hidden=hidden))

    def forum(self, name="General", private=False):
        return self._committed(factories.forum(name, private=private))

    def topic(self, forum, title, body, spam=False, name="Ann"):
        return self._committed(factories.topic(forum, title, body, name, spam=spam))

    def post(self, topic, body, spam=False, name="Bob"):
        return self._committed(factories.post(topic, body, name, spam=spam))

    def request(self, title, note="", email="jane@example.com", first_name="Jane", last_name="Doe"):
        return self._committed(factories.request_row(title, note, email, first_name, last_name))

    @staticmethod
    def _committed(row):
        db.session.commit()
        return row


@pytest.fixture
def content(ctx):
    return Content()


@pytest.fixture
def staff(ctx, make_staff):
    from portal.accounts.models import Staff

    return db.session.get(Staff, make_staff("searcher@example.com"))
