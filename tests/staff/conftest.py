"""Fixtures for the staff workspace: one account per role, a logged-in client per role, requests
and forum content made through the real services."""
import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.forums.services import PostInput
from portal.requests.models import Request
from tests import factories

PASSWORD = "correct horse"
SPAM_BODY = "buy http://a.test http://b.test http://c.test http://d.test now"


@pytest.fixture
def people(make_staff):
    """{role: staff id} for an administrator, an agent and a moderator."""
    return {
        "administrator": make_staff("admin@example.com", role="administrator", first_name="Ada"),
        "agent": make_staff("agent@example.com", role="agent", first_name="Sam"),
        "moderator": make_staff("mod@example.com", role="moderator", first_name="Robin"),
    }


EMAILS = {"administrator": "admin@example.com", "agent": "agent@example.com", "moderator": "mod@example.com"}


@pytest.fixture
def login(client, people):
    """login(role) logs the test client in as that role's account and returns the client."""
    def log_in(role="agent"):
        response = client.post("/staff/login", data={"email": EMAILS[role], "password": PASSWORD})
        assert response.status_code == 302, response.data
        return client
    return log_in


def staff(staff_id) -> Staff:
    return db.session.get(Staff, staff_id)


@pytest.fixture
def make_request(app):
    """make_request(**fields) -> request id, opened through create_request like a customer's."""
    def make(note="My printer is on fire", email="customer@example.com", title="Printer trouble",
             assigned_to_id=None, **extra):
        with app.app_context():
            req = factories.request(note, email, title=title, assigned_to_id=assigned_to_id, **extra)
            db.session.commit()
            return req.id
    return make


@pytest.fixture
def category(app):
    with app.app_context():
        row = factories.category("Billing")
        db.session.commit()
        return row.id


@pytest.fixture
def forum_topic(app, people):
    """A public forum (the moderator account moderates it) with a topic of two visible posts:
    (forum id, topic id, [post ids])."""
    with app.app_context():
        forum = factories.forum("General")
        forum.moderators = [db.session.get(Staff, people["moderator"])]
        topic, posts = factories.topic_with_replies(
            forum, PostInput(title="Hello", body="First post", name="Ann", email="ann@example.com", ip="192.0.2.1",
                             os="Linux"),
            PostInput(body="A reply", name="Bob", ip="192.0.2.2"))
        db.session.commit()
        return forum.id, topic.id, [post.id for post in posts]


def load(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


__all__ = ["PASSWORD", "SPAM_BODY", "staff", "load", "Request"]
