"""Staff following a request (portal.requests.subscriptions) are mailed, through the notifications service and
the outbox, when its customer answers and when another staff member adds a note; with their choice
("followed") and a one-click List-Unsubscribe as the other notifications; never about a request they may not
see, never twice for one answer, never about their own note."""
import pytest

from portal.accounts.models import Staff
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.notifications import services as notifications
from portal.requests import categories, services, subscriptions, workflow
from portal.requests.models import Request
from tests import factories


def to(mailbox, address):
    return [m for m in mailbox.messages if m["To"] == address]


@pytest.fixture
def desk(app):
    """Fay (agent, assignee of the request), Gus (agent, following it), Hal (agent who writes notes), an
    administrator, and a request in Billing; their ids."""
    with app.app_context():
        fay = factories.staff("fay@example.com", role="agent", first_name="Fay")
        gus = factories.staff("gus@example.com", role="agent", first_name="Gus")
        hal = factories.staff("hal@example.com", role="agent", first_name="Hal")
        boss = factories.staff("boss@example.com", role="administrator", first_name="Boss")
        billing = factories.category("Billing")
        sales = factories.category("Sales")
        # nobody follows a category: only the request's followers and its assignee are told
        req = factories.request(category_id=billing.id, title="Invoice", assigned_to_id=fay.id)
        db.session.commit()
        return {"fay": fay.id, "gus": gus.id, "hal": hal.id, "boss": boss.id, "billing": billing.id,
                "sales": sales.id, "request": req.id}


def _follow(app, desk, *names):
    with app.app_context():
        req = db.session.get(Request, desk["request"])
        actor = db.session.get(Staff, desk["boss"])
        for name in names:
            subscriptions.subscribe(req, actor, desk[name])
        db.session.commit()


def test_the_customers_answer_mails_the_followers_once_each(app, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus", "fay")
    mailbox.messages.clear()  # Fay was told of the assignment on arrival
    with app.test_request_context():
        services.add_customer_update(db.session.get(Request, desk["request"]), "The total is still wrong")
        assert to(mailbox, "gus@example.com") == []  # nothing before the commit
        db.session.commit()
    [mail] = to(mailbox, "gus@example.com")
    assert "customer answered a request you follow" in mail["Subject"] and f"#{desk['request']}" in mail["Subject"]
    assert "The total is still wrong" in mail.get_content()
    assert f"/staff/requests/{desk['request']}" in mail.get_content()
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"].startswith("<http://portal.test/staff/notifications/stop/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Fay is the assignee and a follower: one mail, the assignee's
    [fays] = to(mailbox, "fay@example.com")
    assert "The customer answered a request" in fays["Subject"] and "you follow" not in fays["Subject"]


def test_a_colleagues_note_mails_the_followers_but_not_its_writer(app, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus", "hal")
    mailbox.messages.clear()
    with app.test_request_context():
        req = db.session.get(Request, desk["request"])
        workflow.add_staff_note(req, db.session.get(Staff, desk["hal"]), "Refund approved by finance", public=False)
        db.session.commit()
    [mail] = to(mailbox, "gus@example.com")
    assert "colleague added a note to a request you follow" in mail["Subject"]
    assert "Refund approved by finance" in mail.get_content() and "Hal" in mail.get_content()
    assert to(mailbox, "hal@example.com") == []  # not told of his own note
    assert to(mailbox, "fay@example.com") == []  # the assignee does not follow it
    assert to(mailbox, "kim@example.com") == [] and to(mailbox, "customer@example.com") == []  # private


def test_a_public_reply_through_the_staff_page_mails_followers_too(app, client, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus")
    mailbox.messages.clear()
    client.post("/staff/login", data={"email": "hal@example.com", "password": factories.PASSWORD})
    response = client.post(f"/staff/requests/{desk['request']}/notes",
                           data={"body": "We sent a corrected invoice", "visibility": "public"})
    assert response.status_code in (302, 303)
    [mail] = to(mailbox, "gus@example.com")
    assert "We sent a corrected invoice" in mail.get_content()
    assert len(to(mailbox, "customer@example.com")) == 1  # the customer got the reply itself


def test_the_followed_choice_and_its_one_click_unsubscribe(app, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus")
    with app.test_request_context():
        services.add_customer_update(db.session.get(Request, desk["request"]), "first answer")
        db.session.commit()
    [mail] = to(mailbox, "gus@example.com")
    url = mail["List-Unsubscribe"].strip("<>").removeprefix("http://portal.test")
    anonymous = app.test_client()
    assert anonymous.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with app.test_request_context():
        prefs = notifications.preferences(db.session.get(Staff, desk["gus"]))
        assert prefs.followed is False and prefs.customer_update is True  # only that kind
        services.add_customer_update(db.session.get(Request, desk["request"]), "second answer")
        workflow.add_staff_note(db.session.get(Request, desk["request"]), db.session.get(Staff, desk["hal"]),
                                "a note", public=False)
        db.session.commit()
    assert len(to(mailbox, "gus@example.com")) == 1  # nothing more


def test_the_profile_lists_the_choice(app, client, desk):
    client.post("/staff/login", data={"email": "gus@example.com", "password": factories.PASSWORD})
    page = client.get("/staff/profile").get_data(as_text=True)
    assert "Requests I follow" in page
    client.post("/staff/profile/notifications", data={"kinds": ["assigned"]})
    with app.app_context():
        prefs = notifications.preferences(db.session.get(Staff, desk["gus"]))
        assert prefs.followed is False and prefs.assigned is True


def test_no_mail_about_a_request_the_follower_may_no_longer_see(app, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus")
    with app.test_request_context():
        boss, gus = db.session.get(Staff, desk["boss"]), db.session.get(Staff, desk["gus"])
        categories.set_allowed(boss, gus, [desk["sales"]])  # limited to Sales after subscribing
        db.session.commit()
        services.add_customer_update(db.session.get(Request, desk["request"]), "secret billing detail")
        db.session.commit()
        # and a new subscription to a request he may not see is refused
        with pytest.raises(ValidationFailed):
            subscriptions.subscribe(db.session.get(Request, desk["request"]), boss, desk["gus"])
    assert to(mailbox, "gus@example.com") == []


def test_a_rolled_back_note_or_a_deactivated_follower_tells_nobody(app, smtp_server, desk):
    mailbox, _ = smtp_server
    _follow(app, desk, "gus", "hal")
    with app.test_request_context():
        workflow.add_staff_note(db.session.get(Request, desk["request"]), db.session.get(Staff, desk["fay"]),
                                "never kept", public=False)
        db.session.rollback()
        db.session.get(Staff, desk["hal"]).active = False
        db.session.commit()
        services.add_customer_update(db.session.get(Request, desk["request"]), "an answer")
        db.session.commit()
    assert [m["Subject"] for m in to(mailbox, "gus@example.com")] and \
        all("never kept" not in m.get_content() for m in to(mailbox, "gus@example.com"))
    assert len(to(mailbox, "gus@example.com")) == 1
    assert to(mailbox, "hal@example.com") == []
