"""Registering (or giving a password to the passwordless row a request creates) must prove owning the email. Until the mailed link is opened nothing is shown, on the portal or through
customer.getRequests; the register page answers alike for every address."""
import re

import pytest

from portal import settings
from portal.accounts.models import Customer
from portal.extensions import db
from tests.accounts.helpers import confirmed_customer, human_fields, outbox, unconfirmed_customer  # noqa: F401
from tests.requests.test_views import open_request

VICTIM = "victim@example.com"
SECRET_TITLE = "Payroll export for March"


@pytest.fixture
def victim_request(app):
    """A request the victim sent before having an account: the row it creates has no password."""
    return open_request(app, email=VICTIM, title=SECRET_TITLE, note="Attached: salaries.xlsx")


@pytest.fixture
def public_api(app):
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()


def _register(client, app, email, password="attackers pw"):
    # The fields the old form had (password and confirm) are sent too: they must not matter.
    return client.post("/account/register", data={"email": email, "password": password, "confirm": password,
                                                  **human_fields(app)})


def _get_requests(client, email, password):
    return client.get("/api/index.php", query_string={"method": "customer.getRequests", "output": "json",
                                                      "sEmail": email, "sPassword": password})


def test_registering_someone_elses_email_shows_nothing_of_theirs(app, client, victim_request, public_api, outbox):
    _register(client, app, VICTIM)
    history = client.get("/account/requests")
    assert history.status_code == 302  # not logged in by registering
    assert SECRET_TITLE not in history.get_data(as_text=True)
    # The password typed at registration opens nothing either: not the portal...
    login = client.post("/account/login", data={"email": VICTIM, "password": "attackers pw"})
    assert login.status_code != 302
    assert client.get("/account/requests").status_code == 302
    # ...nor the API (error 104, as for a wrong password).
    body = _get_requests(client, VICTIM, "attackers pw").get_json()
    assert [error["id"] for error in body["error"]] == [104], body
    assert victim_request[1] not in str(body)
    # The only way on is the link mailed to the address.
    assert [mail.to for mail in outbox] == [VICTIM]


def test_the_mailed_link_proves_the_address_then_shows_the_history(app, client, victim_request, public_api,
                                                                   outbox):
    response = _register(client, app, VICTIM)
    assert response.status_code == 302
    [mail] = outbox
    assert "Choose your password" in mail.subject and "within 2 hours" in mail.body
    page = client.get(mail.link())
    assert page.status_code == 200 and "<title>Choose your password" in page.get_data(as_text=True)
    with app.app_context():
        row = db.session.execute(db.select(Customer).where(Customer.email == VICTIM)).scalar_one()
        assert row.email_confirmed_at is None and row.password_hash is None
    done = client.post(mail.link(), data={"password": "owners password", "confirm": "owners password"})
    assert done.status_code == 302 and done.headers["Location"] == "/account/requests"
    assert SECRET_TITLE in client.get("/account/requests").get_data(as_text=True)
    assert client.get(mail.link()).status_code == 404  # single use
    assert victim_request[1] in str(_get_requests(app.test_client(), VICTIM, "owners password").get_json())


def test_a_password_from_before_the_fix_must_be_confirmed_before_anything_shows(app, client, victim_request,
                                                                               public_api, outbox):
    # A row registered without proof before the fix (possibly by someone else) keeps its password, but
    # logging in with it only mails a link to the address; the history stays hidden.
    unconfirmed_customer(app, VICTIM, "attackers pw")
    response = client.post("/account/login", data={"email": VICTIM, "password": "attackers pw"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "confirm" in html and SECRET_TITLE not in html
    assert client.get("/account/requests").status_code == 302
    assert [mail.to for mail in outbox] == [VICTIM]
    assert _get_requests(client, VICTIM, "attackers pw").get_json()["error"][0]["id"] == 104
    # The owner's link replaces that password: the one who set it is shut out.
    client.post(outbox[0].link(), data={"password": "owners password", "confirm": "owners password"})
    assert SECRET_TITLE in client.get("/account/requests").get_data(as_text=True)
    other = app.test_client()
    assert other.post("/account/login", data={"email": VICTIM, "password": "attackers pw"}).status_code == 400


def test_a_session_of_an_unconfirmed_customer_shows_nothing(app, client, victim_request):
    # Sessions opened before the fix by a customer who never proved the address are not honoured.
    from flask import session

    from portal.extensions import login_manager

    def old_session(customer_id):
        session["_user_id"] = f"customer:{customer_id}"  # what Flask-Login stored before the fix
        session["_fresh"] = True
        session["_id"] = login_manager._session_identifier_generator()
        return "ok"

    app.add_url_rule("/_test/old-session/<int:customer_id>", view_func=old_session)
    unconfirmed_customer(app, VICTIM, "attackers pw")
    with app.app_context():
        customer_id = db.session.execute(db.select(Customer.id).where(Customer.email == VICTIM)).scalar_one()
    client.get(f"/_test/old-session/{customer_id}")
    assert client.get("/account/requests").status_code == 302


def test_a_password_reset_link_proves_the_address_too(app, client, victim_request, public_api, outbox):
    client.post("/account/forgot", data={"email": VICTIM})
    [mail] = outbox
    client.post(mail.link(), data={"password": "owners password", "confirm": "owners password"})
    assert SECRET_TITLE in client.get("/account/requests").get_data(as_text=True)


def test_a_password_set_by_staff_through_the_api_counts_as_confirmed(app, client, victim_request, public_api,
                                                                     make_staff):
    # private.customer.setPasswordByEmail is a staff action: staff can already read every request of the
    # address, and HelpSpot integrations set portal passwords this way for customers they know.
    import base64

    make_staff("agent@example.com", "correct horse")
    auth = {"Authorization": "Basic " + base64.b64encode(b"agent@example.com:correct horse").decode()}
    response = client.post("/api/index.php", data={"method": "private.customer.setPasswordByEmail",
                                                   "sEmail": VICTIM, "sPassword": "given by staff"}, headers=auth)
    assert response.status_code == 200
    assert victim_request[1] in str(_get_requests(client, VICTIM, "given by staff").get_json())


def _page_text(response, email):
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="(csrf_token|form_token)" value="[^"]+"', "", html)


def test_register_answers_alike_for_every_address(app, outbox):
    confirmed_customer(app, "member@example.com", "members pw")
    unconfirmed_customer(app, "legacy@example.com", "legacy pw")
    open_request(app, email="walkin@example.com")
    answers = []
    for email in ("member@example.com", "legacy@example.com", "walkin@example.com", "nobody@example.com"):
        client = app.test_client()
        response = _register(client, app, email)
        answers.append((response.status_code, response.headers.get("Location"),
                        _page_text(client.get("/account/login"), email)))
    assert all(answer == answers[0] for answer in answers), [a[:2] for a in answers]
    assert answers[0][0] == 302
    assert sorted(mail.to for mail in outbox) == ["legacy@example.com", "member@example.com",
                                                  "nobody@example.com", "walkin@example.com"]
    # What differs is said in the mail, to the owner only: a member is told they already have an account.
    member_mail = next(mail for mail in outbox if mail.to == "member@example.com")
    assert "you already have one" in member_mail.body
