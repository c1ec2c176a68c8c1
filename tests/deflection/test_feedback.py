"""Feedback with reasons after "Not helpful": once per visitor per page, spam-checked, rate-limited, and
shown on the page's editor view where staff mark it handled."""
import pytest

from portal.extensions import db
from portal.kb.feedback import PageFeedback
from portal.kb.models import Book, Chapter, Page


@pytest.fixture
def page_id(app):
    with app.app_context():
        page = Page(chapter=Chapter(book=Book(name="Guide"), name="Basics"), name="Export data", body="<p>Hi</p>")
        db.session.add(page)
        db.session.commit()
        return page.id


def feedback_rows(app) -> list[tuple]:
    with app.app_context():
        return [(f.reason, f.text, f.handled) for f in db.session.scalars(db.select(PageFeedback))]


def test_not_helpful_asks_what_was_missing_and_keeps_one_answer(app, client, page_id):
    reply = client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "no"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/kb/pages/{page_id}/feedback")
    form = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "What was missing?" in form and 'value="outdated"' in form
    sent = client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "outdated", "text": "  Menu  moved. "})
    assert sent.status_code == 303
    assert feedback_rows(app) == [("outdated", "Menu moved.", False)]
    # Once per visitor per page: the form is not offered again, and a second post is not kept.
    assert client.get(f"/kb/pages/{page_id}/feedback").status_code == 303
    client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "other", "text": "again"})
    assert len(feedback_rows(app)) == 1


def test_helpful_votes_and_visitors_who_did_not_vote_get_no_form(client, page_id):
    assert client.get(f"/kb/pages/{page_id}/feedback").status_code == 303
    reply = client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "yes"})
    assert "/feedback" not in reply.headers["Location"]


def test_bad_reasons_long_text_and_spam_are_refused_with_field_messages(app, client, page_id):
    client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "no"})
    reply = client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "nonsense", "text": "x" * 501})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "Choose what was missing." in html and "under 500 characters" in html
    links = " ".join(f"http://spam{n}.example" for n in range(5))
    reply = client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "other", "text": links})
    assert reply.status_code == 400 and "leave the links out" in reply.get_data(as_text=True)
    assert feedback_rows(app) == []


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                                         "RATELIMIT_FEEDBACK": "2 per minute"}])
def test_feedback_is_rate_limited(app, client, page_id):
    client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "no"})
    codes = [client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "bad"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_staff_see_feedback_on_the_editor_view_and_mark_it_handled(app, client, page_id, make_staff, staff_auth):
    client.post(f"/kb/pages/{page_id}/vote", data={"helpful": "no"})
    client.post(f"/kb/pages/{page_id}/feedback", data={"reason": "steps", "text": "Step 3 fails"})
    make_staff(role="administrator")
    staff_auth.login()
    html = client.get(f"/staff/kb/pages/{page_id}").get_data(as_text=True)
    assert "The steps did not work for me" in html and "Step 3 fails" in html and "Mark handled" in html
    with app.app_context():
        feedback_id = db.session.scalar(db.select(PageFeedback.id))
    reply = client.post(f"/staff/kb/feedback/{feedback_id}/handled")
    assert reply.status_code == 303
    assert feedback_rows(app) == [("steps", "Step 3 fails", True)]
    assert "Mark handled" not in client.get(f"/staff/kb/pages/{page_id}").get_data(as_text=True)


def test_only_staff_with_the_kb_right_mark_feedback_handled(app, page_id, make_staff):
    from portal.accounts.models import Staff
    from portal.errors import Forbidden, NotFound
    from portal.kb import feedback

    with app.test_request_context():
        page = db.session.get(Page, page_id)
        item = feedback.give(page, "v" * 24, "unclear")
        staff = db.session.get(Staff, make_staff())
        staff.active = False  # an inactive account has no rights
        with pytest.raises(Forbidden):
            feedback.mark_handled(staff, item.id)
        staff.active = True
        with pytest.raises(NotFound):
            feedback.mark_handled(staff, item.id + 1000)
        assert feedback.mark_handled(staff, item.id).handled_by_id == staff.id
