"""Staff actions on requests: notes, field changes with log lines, trash, spam, permissions."""
import pytest

from portal.accounts.models import Staff
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db
from portal.requests import workflow
from portal.requests.models import STATUS_SPAM, Category
from portal.requests.services import RequestInput, create_request


@pytest.fixture
def people(ctx, make_staff):
    agent = db.session.get(Staff, make_staff("agent@example.com", first_name="Sam", last_name="Lee"))
    moderator = db.session.get(Staff, make_staff("mod@example.com", role="moderator"))
    return agent, moderator


def _request():
    return create_request(RequestInput(note="Help", email="c@example.com", title="Broken"))


def test_public_reply_and_private_note(people):
    agent, _ = people
    req = _request()
    reply = workflow.add_staff_note(req, agent, "Try turning it off and on.", public=True)
    note = workflow.add_staff_note(req, agent, "Customer sounds upset.", public=False)
    db.session.commit()
    assert reply.is_public and reply.author_id == agent.id and req.last_reply_by == agent.id
    assert not note.is_public
    with pytest.raises(ValidationFailed):
        workflow.add_staff_note(req, agent, "  ", public=True)


def test_html_notes_are_cleaned(people):
    agent, _ = people
    req = _request()
    note = workflow.add_staff_note(req, agent, '<p onclick="x()">Hi<script>alert(1)</script></p>', public=True,
                                   is_html=True)
    assert note.body == "<p>Hi</p>" or note.body == "<p>Hialert(1)</p>"
    assert "script" not in note.body and "onclick" not in note.body


def test_changes_are_logged_in_the_history(people):
    agent, _ = people
    category = Category(name="Billing")
    db.session.add(category)
    req = _request()
    lines = workflow.update_request(req, agent, status_id=7, category_id=category.id, assigned_to_id=agent.id,
                                    urgent=True)
    assert lines == ['Status changed from "Active" to "Software Bug"', 'Category changed from "nobody" to "Billing"',
                     'Assigned from "nobody" to "Sam Lee"', "Marked urgent"]
    logs = [n.log for n in req.notes if n.log]
    assert logs == lines
    assert all(not n.is_public for n in req.notes if n.log)


def test_a_closing_status_closes_and_reopen_restores(people):
    agent, _ = people
    req = _request()
    workflow.update_request(req, agent, status_id=3)
    assert not req.is_open and req.closed_at is not None
    workflow.update_request(req, agent, is_open=True)
    assert req.is_open and req.status_id == 1 and req.closed_at is None


def test_unknown_values_are_refused(people):
    agent, _ = people
    req = _request()
    with pytest.raises(ValidationFailed):
        workflow.update_request(req, agent, status_id=999)
    with pytest.raises(ValidationFailed):
        workflow.update_request(req, agent, category_id=999)
    with pytest.raises(ValidationFailed):
        workflow.update_request(req, agent, assigned_to_id=999)


def test_trash_restore_and_spam(people):
    agent, _ = people
    req = _request()
    workflow.update_request(req, agent, assigned_to_id=agent.id)
    workflow.trash(req, agent)
    assert req.trashed and req.trashed_at
    workflow.restore(req, agent)
    assert not req.trashed
    workflow.mark_spam(req, agent)
    assert req.status_id == STATUS_SPAM and not req.is_open and req.assigned_to_id is None
    workflow.not_spam(req, agent)
    assert req.status_id == 1 and req.is_open


def test_a_moderator_cannot_touch_requests(people):
    _, moderator = people
    req = _request()
    for action in (lambda: workflow.add_staff_note(req, moderator, "x", public=False),
                   lambda: workflow.update_request(req, moderator, urgent=True),
                   lambda: workflow.trash(req, moderator), lambda: workflow.mark_spam(req, moderator)):
        with pytest.raises(Forbidden):
            action()
