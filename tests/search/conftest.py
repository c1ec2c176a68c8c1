"""Content builders for search tests: rows written through the ORM and committed, as the services do."""
import pytest

from portal.extensions import db


class Content:
    """Creates books, pages, forums, topics, posts and requests with sensible defaults, committing each."""

    def book(self, name="Getting started", private=False):
        from portal.kb.models import Book

        return self._add(Book(name=name, private=private))

    def chapter(self, book, name="Basics", hidden=False):
        from portal.kb.models import Chapter

        return self._add(Chapter(book=book, name=name, hidden=hidden))

    def page(self, chapter, name, body="", hidden=False, tags=()):
        from portal.kb.models import Page, Tag

        found = [db.session.scalar(db.select(Tag).where(Tag.name == tag)) or Tag(name=tag) for tag in tags]
        page = Page(chapter=chapter, name=name, body=body, hidden=hidden, tags=found)
        return self._add(page)

    def forum(self, name="General", private=False):
        from portal.forums.models import Forum

        return self._add(Forum(name=name, private=private))

    def topic(self, forum, title, body, spam=False, name="Ann"):
        from portal.forums.models import Post, Topic

        topic = Topic(forum=forum, title=title, starter_name=name, post_count=0 if spam else 1)
        db.session.add(Post(topic=topic, name=name, body=body, spam=spam))
        return self._add(topic)

    def post(self, topic, body, spam=False, name="Bob"):
        from portal.forums.models import Post

        return self._add(Post(topic=topic, name=name, body=body, spam=spam))

    def request(self, title, note="", email="jane@example.com", first_name="Jane", last_name="Doe"):
        from portal.requests.models import Note, Request

        req = Request(title=title, email=email, first_name=first_name, last_name=last_name, password="abcdef")
        if note:
            req.notes.append(Note(body=note, is_initial=True))
        return self._add(req)

    @staticmethod
    def _add(obj):
        db.session.add(obj)
        db.session.commit()
        return obj


@pytest.fixture
def content(ctx):
    return Content()


@pytest.fixture
def staff(ctx, make_staff):
    from portal.accounts.models import Staff

    return db.session.get(Staff, make_staff("searcher@example.com"))
