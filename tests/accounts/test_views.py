"""Customer account pages: register, log in and out, change password."""
import pytest

from portal.accounts.models import Customer, LoginAttempt
from portal.accounts.services import MAX_FAILURES
from portal.extensions import db
from tests.requests.test_views import open_request


def _customer(app, email):
    with app.app_context():
        return db.session.execute(db.select(Customer).where(Customer.email == email)).scalar_one_or_none()


# --- register ------------------------------------------------------------------------------------------

def test_register_page(client):
    html = client.get("/account/register").get_data(as_text=True)
    assert "<title>Create an account" in html
    assert 'name="email"' in html and 'name="form_token"' in html
    assert 'name="password"' not in html  # the password is chosen through the mailed link


def test_register_mails_a_link_and_logs_nobody_in(app, client, human, outbox):
    # Registering used to log in at once, showing every request sent with the email.
    response = client.post("/account/register", data={"email": "New@Example.com", **human()})
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    assert "We have emailed a link to New@Example.com" in client.get("/account/login").get_data(as_text=True)
    assert client.get("/account/requests").status_code == 302
    customer = _customer(app, "new@example.com")
    assert customer.password_hash is None and customer.email_confirmed_at is None
    [mail] = outbox
    assert mail.to == "new@example.com" and "Choose your password" in mail.subject


def test_the_link_sets_the_password_confirms_and_logs_in(app, client, human, outbox):
    client.post("/account/register", data={"email": "new@example.com", **human()})
    link = outbox[0].link()
    page = client.get(link).get_data(as_text=True)
    assert "<title>Choose your password" in page and '<meta name="referrer" content="no-referrer">' in page
    response = client.post(link, data={"password": "secret123", "confirm": "secret123"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/requests"
    customer = _customer(app, "new@example.com")
    assert customer.password_hash and "secret123" not in customer.password_hash and customer.email_confirmed_at
    html = client.get("/account/requests").get_data(as_text=True)
    assert "Your password is set" in html and "new@example.com" in html


@pytest.mark.parametrize("changes, field, reason", [
    ({"email": "nobody"}, "email", "This is not a valid email address."),
    ({"email": ""}, "email", "Please provide a valid email"),
])
def test_register_refuses_bad_input_next_to_the_field(app, client, human, outbox, changes, field, reason):
    data = {"email": "new@example.com", **human(), **changes}
    response = client.post("/account/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-errors"' in html and reason in html
    assert _customer(app, "new@example.com") is None and outbox == []


@pytest.mark.parametrize("password, confirm", [("short", "short"), ("secret123", "different1")])
def test_the_link_page_refuses_a_weak_or_mistyped_password(client, human, outbox, password, confirm):
    client.post("/account/register", data={"email": "new@example.com", **human()})
    response = client.post(outbox[0].link(), data={"password": password, "confirm": confirm})
    assert response.status_code == 400 and "secret123" not in response.get_data(as_text=True)
    assert client.get(outbox[0].link()).status_code == 200  # still usable


def test_register_with_a_taken_email_answers_as_usual_and_mails_the_owner(app, client, human, customer, outbox):
    # It used to answer 409 "already has an account": a way to find out who has one.
    response = client.post("/account/register", data={"email": "kim@example.com", **human()})
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    [mail] = outbox
    assert mail.to == "kim@example.com" and "you already have one" in mail.body and "/account/login" in mail.body
    assert client.post("/account/login", data={"email": customer[0], "password": customer[1]}).status_code == 302


def test_register_refuses_a_bot(app, client, human, outbox):
    data = {"email": "bot@example.com", **human(), "website_url": "http://spam.example"}
    response = client.post("/account/register", data=data)
    assert response.status_code == 400 and "We could not tell that a person" in response.get_data(as_text=True)
    assert 'value="bot@example.com"' in response.get_data(as_text=True)
    assert _customer(app, "bot@example.com") is None and outbox == []


def test_an_email_that_sent_requests_can_register_and_sees_them(app, client, human, outbox):
    open_request(app, email="walkin@example.com", title="Sent before the account")
    assert _customer(app, "walkin@example.com").password_hash is None  # the request made a passwordless row
    assert client.post("/account/register", data={"email": "walkin@example.com", **human()}).status_code == 302
    assert "Sent before the account" not in client.get("/account/requests").get_data(as_text=True)
    client.post(outbox[0].link(), data={"password": "secret123", "confirm": "secret123"})
    assert "Sent before the account" in client.get("/account/requests").get_data(as_text=True)


def test_an_unconfirmed_password_mails_a_link_instead_of_logging_in(app, client, outbox):
    from tests.accounts.helpers import unconfirmed_customer

    unconfirmed_customer(app, "old@example.com", "from before")
    response = client.post("/account/login", data={"email": "old@example.com", "password": "from before"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Please confirm your email first" in html
    assert [mail.to for mail in outbox] == ["old@example.com"] and "Choose your password" in outbox[0].subject
    client.post(outbox[0].link(), data={"password": "chosen now", "confirm": "chosen now"})
    assert client.get("/account/requests").status_code == 200


# --- log in and out ------------------------------------------------------------------------------------

def test_login_page(client):
    html = client.get("/account/login").get_data(as_text=True)
    assert "<title>Log in" in html and 'autocomplete="current-password"' in html
    assert 'href="/account/register"' in html and 'href="/account/forgot"' in html


def test_login_goes_to_the_history(client, customer):
    response = client.post("/account/login", data={"email": "KIM@example.com ", "password": customer[1]})
    assert response.status_code == 302 and response.headers["Location"] == "/account/requests"
    assert client.get("/account/requests").status_code == 200
    assert client.get("/account/login").status_code == 302  # already logged in


@pytest.mark.parametrize("next_url, lands", [("/requests/new?x=1", "/requests/new?x=1"),
                                             ("//evil.example/", "/account/requests"),
                                             ("https://evil.example/", "/account/requests")])
def test_login_returns_only_to_a_local_next(client, customer, next_url, lands):
    response = client.post("/account/login", data={"email": customer[0], "password": customer[1],
                                                   "next": next_url})
    assert response.headers["Location"] == lands


@pytest.mark.parametrize("data", [{"email": "kim@example.com", "password": "wrong password"},
                                  {"email": "nobody@example.com", "password": "whatever1"}])
def test_a_failed_login_says_so_and_is_recorded(app, client, customer, data):
    response = client.post("/account/login", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your login failed" in html and f'value="{data["email"]}"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(LoginAttempt.id))) == 1
    assert client.get("/account/requests").status_code == 302


def test_empty_login_fields_are_required(client):
    response = client.post("/account/login", data={"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="email-errors"' in html and 'id="password-errors"' in html


def test_too_many_failures_lock_the_account_for_a_while(client, customer):
    for _ in range(MAX_FAILURES):
        client.post("/account/login", data={"email": customer[0], "password": "bad guess!"})
    response = client.post("/account/login", data={"email": customer[0], "password": customer[1]})
    assert response.status_code == 429 and "Too many failed login attempts" in response.get_data(as_text=True)


def test_logout_is_a_post(client, logged_in):
    assert client.get("/account/logout").status_code == 405
    response = client.post("/account/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = client.get("/account/requests")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login?next=")


# --- change password -----------------------------------------------------------------------------------

def test_change_password_needs_a_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login?next=/account/password"


def test_change_password(app, client, logged_in):
    assert "<title>Change your password" in client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/password", data={"current": logged_in[1], "password": "brand new pw",
                                                      "confirm": "brand new pw"})
    assert response.status_code == 302
    assert client.get("/account/requests").status_code == 200  # this browser stays logged in
    client.post("/account/logout")
    assert client.post("/account/login", data={"email": logged_in[0], "password": logged_in[1]}).status_code == 400
    assert client.post("/account/login", data={"email": logged_in[0],
                                               "password": "brand new pw"}).status_code == 302


@pytest.mark.parametrize("data, field", [
    ({"current": "not mine!", "password": "brand new pw", "confirm": "brand new pw"}, "current"),
    ({"current": "kims password", "password": "short", "confirm": "short"}, "password"),
    ({"current": "kims password", "password": "brand new pw", "confirm": "brand new"}, "confirm"),
])
def test_change_password_refusals(client, logged_in, data, field):
    response = client.post("/account/password", data=data)
    assert response.status_code == 400 and f'id="{field}-errors"' in response.get_data(as_text=True)
