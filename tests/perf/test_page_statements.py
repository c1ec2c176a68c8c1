"""The pages a crowd and the staff read most run a bounded number of statements, whatever the rows they
show (issue 17): a KB page with more tags, files and related pages, a topic with more posts (and posters), a
request page with more notes, the staff queue with more requests. A page that queried per row would grow
with the second set of rows."""
import pytest

from portal import cache
from portal.extensions import db
from tests import factories
from tests.portal_helpers import add_login_route, count_queries

# Statements per page, settings and session lookups included (what the bench's cold rows pay).
BOUNDS = {"kb page": 3, "topic": 3, "request page": 3, "staff queue": 8}


def statements(app, client, path: str) -> list[str]:
    client.get(path)  # the first render fills this worker's per-process lists (settings, categories)
    cache.clear(app)
    with count_queries(app) as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [s for s in seen if "SAVEPOINT" not in s]


def grow_then_compare(app, client, path: str, add_rows, bound: int) -> None:
    few = statements(app, client, path)
    with app.app_context():
        add_rows()
        db.session.commit()
    many = statements(app, client, path)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= bound, "\n".join(many)


def test_kb_page(app, client):
    with app.app_context():
        chapter = factories.chapter(factories.book())
        others = [factories.page(chapter, name=f"Other {n}") for n in range(3)]
        page = factories.page(chapter, name="Printer", tags=["one"], related=others[:1])
        db.session.commit()
        page_id, other_ids = page.id, [other.id for other in others]

    def more():
        from portal.kb.models import Page, Tag

        shown = db.session.get(Page, page_id)
        shown.tags.extend(Tag(name=f"tag {n}") for n in range(8))
        shown.related.extend(db.session.get(Page, other) for other in other_ids[1:])
        for n in range(6):
            factories.page(shown.chapter, name=f"Neighbour {n}", position=n)
    grow_then_compare(app, client, f"/kb/pages/{page_id}-printer", more, BOUNDS["kb page"])


def test_forum_topic(app, client):
    with app.app_context():
        topic = factories.topic(factories.forum(), title="Paper jams")
        db.session.commit()
        topic_id = topic.id

    def more():
        from portal.forums.models import Topic

        shown = db.session.get(Topic, topic_id)
        for n in range(12):
            factories.post(shown, name=f"Poster {n}", body=f"<p>Reply {n}</p>")
    grow_then_compare(app, client, f"/forums/topics/{topic_id}-paper-jams", more, BOUNDS["topic"])


def test_request_page(app, client):
    with app.app_context():
        request = factories.request()
        db.session.commit()
        request_id, key = request.id, request.access_key

    def more():
        from portal.requests.models import Request

        shown = db.session.get(Request, request_id)
        for n in range(10):
            factories.note(shown, body=f"Note {n}", author_id=0 if n % 2 else 1)
    grow_then_compare(app, client, f"/requests/{key}", more, BOUNDS["request page"])


@pytest.fixture
def staff_client(app, client):
    add_login_route(app)
    with app.app_context():
        staff_id = factories.staff(role="administrator").id
        db.session.commit()
    assert client.get(f"/_test/login/staff/{staff_id}").status_code == 200
    return client


def test_staff_queue(app, staff_client):
    with app.app_context():
        factories.request(email="first@example.com")
        db.session.commit()

    def more():
        for n in range(15):
            factories.request(note=f"Printer {n}", email=f"customer{n}@example.com")
    grow_then_compare(app, staff_client, "/staff/requests", more, BOUNDS["staff queue"])
