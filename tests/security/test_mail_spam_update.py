"""A customer's update on a request staff marked as spam and trashed must not bring it
back into the queue as Active. The update is kept (a customer wrongly judged a spammer loses nothing, and a
spammer learns nothing from the answer), the request stays Spam, closed and in the trash."""
import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import workflow
from portal.requests.models import STATUS_SPAM, Note, Request
from portal.requests.services import RequestInput, create_request


@pytest.fixture
def spam_request(app, make_staff):
    """(id, access key) of a request an agent marked as spam and moved to the trash."""
    with app.test_request_context():
        agent = db.session.get(Staff, make_staff())
        req = create_request(RequestInput(note="Cheap pills", email="seller@example.com"), notify_customer=False)
        workflow.mark_spam(req, agent)
        workflow.trash(req, agent)
        db.session.commit()
        return req.id, req.access_key


def assert_still_spam(app, request_id, update_text):
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert (req.status_id, req.is_open, req.trashed) == (STATUS_SPAM, False, True)
        assert req.trashed_at is not None
        assert any(note.body == update_text and note.is_public for note in req.notes)
        assert not any(note.log == "Request reopened" for note in req.notes)


def test_an_update_through_the_portal_keeps_a_spam_request_spam_and_trashed(app, client, spam_request):
    request_id, key = spam_request
    response = client.post(f"/requests/{key}", data={"update": "Buy more pills"})
    assert response.status_code == 302  # answered as any update is: nothing tells the sender it was spam
    assert_still_spam(app, request_id, "Buy more pills")


def test_an_update_through_the_api_keeps_a_spam_request_spam_and_trashed(app, client, spam_request):
    request_id, key = spam_request
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    response = client.post("/api/index.php", data={"method": "request.update", "accesskey": key,
                                                   "tNote": "Still selling pills", "output": "json"})
    assert response.status_code == 200, response.data
    assert_still_spam(app, request_id, "Still selling pills")


def test_an_update_still_reopens_and_restores_a_request_that_is_not_spam(app, client, make_staff):
    # The contrast: HelpSpot's rule (a customer's update brings a closed or trashed request back) stands.
    with app.test_request_context():
        agent = db.session.get(Staff, make_staff())
        req = create_request(RequestInput(note="Printer", email="ann@example.com"), notify_customer=False)
        workflow.close(req, agent)
        workflow.trash(req, agent)
        db.session.commit()
        request_id, key = req.id, req.access_key
    client.post(f"/requests/{key}", data={"update": "It broke again"})
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert req.is_open and not req.trashed and req.status_id != STATUS_SPAM
        assert db.session.scalar(db.select(db.func.count(Note.id)).where(Note.log == "Request reopened")) == 1
