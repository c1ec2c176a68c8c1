"""Staff are mailed when a request arrives in a category they follow, is assigned to them, or is answered
by its customer; they choose on their profile; a one-click unsubscribe works; email_staff is honoured."""
import base64

import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.notifications import services as notifications
from portal.notifications.models import NotificationPreference
from portal.requests import services, workflow
from portal.requests.models import Request
from tests import factories


def to(mailbox, address):
    return [m for m in mailbox.messages if m["To"] == address]


@pytest.fixture
def team(app):
    """An agent following Billing (Fay), another agent (Gus), a category; their ids."""
    with app.app_context():
        fay = factories.staff("fay@example.com", role="agent", first_name="Fay")
        gus = factories.staff("gus@example.com", role="agent", first_name="Gus")
        billing = factories.category("Billing")
        other = factories.category("Shipping")
        notifications.save_preferences(fay, {"new_request", "assigned", "customer_update", "named"}, {billing.id})
        db.session.commit()
        return {"fay": fay.id, "gus": gus.id, "billing": billing.id, "shipping": other.id}


def test_followers_of_the_category_are_told_of_a_new_request(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        services.create_request(services.RequestInput(note="My invoice is wrong", email="kim@example.com",
                                                      title="Invoice", category_id=team["billing"]),
                                check_spam=False)
        services.create_request(services.RequestInput(note="Where is my parcel", email="kim@example.com",
                                                      category_id=team["shipping"]), check_spam=False)
        assert to(mailbox, "fay@example.com") == []  # nothing before the commit
        db.session.commit()
    [mail] = to(mailbox, "fay@example.com")  # Billing only: she does not follow Shipping
    assert to(mailbox, "gus@example.com") == []
    assert "Invoice" in mail["Subject"] and "My invoice is wrong" in mail.get_content()
    assert "/staff/requests/" in mail.get_content()
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"].startswith("<http://portal.test/staff/notifications/stop/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_rolled_back_or_spam_request_tells_nobody(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        services.create_request(services.RequestInput(note="x", email="kim@example.com",
                                                      category_id=team["billing"]), check_spam=False)
        db.session.rollback()
        spam = "buy http://a.test http://b.test http://c.test http://d.test now"
        req = services.create_request(services.RequestInput(note=spam, email="kim@example.com",
                                                            category_id=team["billing"]))
        db.session.commit()
        assert req.status_id == 2
    assert to(mailbox, "fay@example.com") == []


def test_assignment_mails_the_assignee_but_not_who_assigned_themselves(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        fay, gus = db.session.get(Staff, team["fay"]), db.session.get(Staff, team["gus"])
        req = factories.request(category_id=team["shipping"])
        db.session.commit()
        workflow.update_request(req, fay, assigned_to_id=gus.id)
        db.session.commit()
        workflow.update_request(req, fay, assigned_to_id=fay.id)  # she takes it herself: no mail
        db.session.commit()
    [mail] = to(mailbox, "gus@example.com")
    assert "assigned to you" in mail["Subject"] and "(Fay" in mail.get_content()
    assert to(mailbox, "fay@example.com") == []


def test_the_customers_answer_mails_the_assignee_with_its_text(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        req = factories.request(category_id=team["shipping"], assigned_to_id=team["gus"])
        db.session.commit()
        services.add_customer_update(req, "It came back broken")
        db.session.commit()
    assigned, mail = to(mailbox, "gus@example.com")  # assigned on arrival, then the answer
    assert "assigned to you" in assigned["Subject"]
    assert "customer answered" in mail["Subject"] and "It came back broken" in mail.get_content()


def test_choices_off_means_no_mail(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        fay = db.session.get(Staff, team["fay"])
        notifications.save_preferences(fay, {"assigned"}, {team["billing"]})
        db.session.commit()
        services.create_request(services.RequestInput(note="x", email="kim@example.com",
                                                      category_id=team["billing"]), check_spam=False)
        db.session.commit()
    assert to(mailbox, "fay@example.com") == []


def test_profile_page_saves_the_choices(app, client, team):
    client.post("/staff/login", data={"email": "gus@example.com", "password": factories.PASSWORD})
    page = client.get("/staff/profile").get_data(as_text=True)
    assert "Notification mails" in page and "Billing" in page
    response = client.post("/staff/profile/notifications",
                           data={"kinds": ["customer_update"], "categories": [str(team["shipping"])]})
    assert response.status_code == 303
    with app.app_context():
        gus = db.session.get(Staff, team["gus"])
        row = db.session.get(NotificationPreference, gus.id)
        assert (row.new_request, row.assigned, row.customer_update, row.named) == (False, False, True, False)
        assert notifications.followed_category_ids(gus) == {team["shipping"]}
    assert client.post("/staff/profile/notifications", data={"categories": ["999999"]}).status_code == 400


def test_one_click_unsubscribe_turns_that_kind_off(app, smtp_server, team):
    mailbox, _ = smtp_server
    with app.test_request_context():
        services.create_request(services.RequestInput(note="x", email="kim@example.com",
                                                      category_id=team["billing"]), check_spam=False)
        db.session.commit()
    [mail] = to(mailbox, "fay@example.com")
    url = mail["List-Unsubscribe"].strip("<>").removeprefix("http://portal.test")
    anonymous = app.test_client()  # the mail provider: no cookie, no CSRF token
    assert anonymous.get(url).status_code == 200  # a page with a button: nothing changed yet
    with app.app_context():
        assert notifications.preferences(db.session.get(Staff, team["fay"])).new_request is True
    response = anonymous.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        prefs = notifications.preferences(db.session.get(Staff, team["fay"]))
        assert prefs.new_request is False and prefs.assigned is True  # only that kind
    assert anonymous.post(url[:-3] + "abc").status_code == 404  # a forged link changes nothing


def test_email_staff_names_staff_on_private_request_update(app, client, smtp_server, team):
    mailbox, _ = smtp_server
    with app.app_context():
        req = factories.request(category_id=team["shipping"])
        db.session.commit()
        request_id = req.id
    auth = {"Authorization": "Basic " + base64.b64encode(f"fay@example.com:{factories.PASSWORD}".encode()).decode()}
    response = client.post("/api/index.php", headers=auth, data={
        "method": "private.request.update", "xRequest": request_id, "tNote": "Gus, can you check?",
        "email_staff": str(team["gus"])})
    assert response.status_code == 200, response.data
    [mail] = to(mailbox, "gus@example.com")
    assert "Gus, can you check?" in mail.get_content()
    response = client.post("/api/index.php", headers=auth, data={
        "method": "private.request.update", "xRequest": request_id, "tNote": "again", "email_staff": "424242"})
    assert b"424242" in response.data  # refused, naming the unknown id
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 2  # the refused call wrote nothing


def test_email_staff_on_private_request_create(app, client, smtp_server, team):
    mailbox, _ = smtp_server
    auth = {"Authorization": "Basic " + base64.b64encode(f"fay@example.com:{factories.PASSWORD}".encode()).decode()}
    response = client.post("/api/index.php", headers=auth, data={
        "method": "private.request.create", "xCategory": team["shipping"], "tNote": "Phoned about a parcel",
        "sEmail": "kim@example.com", "email_staff": f"{team['gus']},{team['fay']}"})
    assert response.status_code == 200, response.data
    [mail] = to(mailbox, "gus@example.com")
    assert "asked to look" in mail["Subject"] and "Phoned about a parcel" in mail.get_content()
    assert to(mailbox, "fay@example.com") == []  # the caller named herself: not told of her own call
