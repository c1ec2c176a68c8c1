"""Logging out, changing or resetting a password, an administrator setting a staff
password, and deactivation end every session of the account (each browser below is its own test client);
a used reset link ends the account's other links."""
import pytest
from flask_login import login_user

from portal.accounts.models import Customer, Staff
from portal.extensions import db
from tests.accounts.helpers import confirmed_customer, outbox  # noqa: F401

EMAIL, PASSWORD = "kim@example.com", "kims password"


@pytest.fixture
def kim(app):
    confirmed_customer(app, EMAIL, PASSWORD)
    return EMAIL, PASSWORD


def _customer_browser(app):
    browser = app.test_client()
    assert browser.post("/account/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    assert browser.get("/account/requests").status_code == 200
    return browser


def _logged_in(browser, url="/account/requests") -> bool:
    return browser.get(url).status_code == 200


def test_logging_out_in_one_browser_ends_the_other_sessions(app, kim):
    laptop, phone = _customer_browser(app), _customer_browser(app)
    laptop.post("/account/logout")
    assert not _logged_in(laptop)
    assert not _logged_in(phone)


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, kim):
    laptop, phone = _customer_browser(app), _customer_browser(app)
    response = laptop.post("/account/password", data={"current": PASSWORD, "password": "a new password",
                                                      "confirm": "a new password"})
    assert response.status_code == 302
    assert _logged_in(laptop)
    assert not _logged_in(phone)


def test_a_reset_ends_every_session_and_every_other_link(app, kim, outbox):
    phone = _customer_browser(app)
    stranger = app.test_client()
    for _ in range(2):
        stranger.post("/account/forgot", data={"email": EMAIL})
    first, second = (mail.link() for mail in outbox)
    response = stranger.post(second, data={"password": "a new password", "confirm": "a new password"})
    assert response.status_code == 302 and _logged_in(stranger)
    assert not _logged_in(phone)
    assert stranger.get(first).status_code == 404  # the other link died with the reset
    assert stranger.post(first, data={"password": "third password", "confirm": "third password"}).status_code == 404


def test_a_remember_cookie_dies_with_the_sessions(app, kim):
    # The remember cookie carries the same id as the session: an old one cannot bring a session back.
    def remember():
        login_user(db.session.execute(db.select(Customer).where(Customer.email == EMAIL)).scalar_one(), remember=True)
        return "ok"

    app.add_url_rule("/_test/remember", view_func=remember)
    laptop = app.test_client()
    laptop.get("/_test/remember")
    cookie = laptop.get_cookie("remember_token")
    assert cookie is not None
    restored = app.test_client()
    restored.set_cookie("remember_token", cookie.value)
    assert _logged_in(restored)  # a cookie alone logs in while it is current
    laptop.post("/account/logout")
    stale = app.test_client()
    stale.set_cookie("remember_token", cookie.value)
    assert not _logged_in(stale)


# --- staff ---------------------------------------------------------------------------------------------

def _staff_browser(app, email="agent@example.com", password="correct horse"):
    browser = app.test_client()
    assert browser.post("/staff/login", data={"email": email, "password": password}).status_code == 302
    assert _logged_in(browser, "/staff/")
    return browser


@pytest.fixture
def people(make_staff):
    admin = make_staff("admin@example.com", "correct horse", role="administrator")
    agent = make_staff("agent@example.com", "correct horse")
    return admin, agent


def _edit(app, admin_browser, staff_id, **changes):
    with app.app_context():
        person = db.session.get(Staff, staff_id)
        form = {"email": person.email, "first_name": person.first_name, "last_name": person.last_name,
                "role": person.role, "active": "on" if person.active else "", "password": ""}
    form.update(changes)
    form = {key: value for key, value in form.items() if not (key == "active" and not value)}
    return admin_browser.post(f"/staff/admin/staff/{staff_id}", data=form)


def test_staff_logout_ends_the_other_sessions(app, people):
    desk, home = _staff_browser(app), _staff_browser(app)
    desk.post("/staff/logout")
    assert not _logged_in(home, "/staff/")


def test_an_administrator_setting_a_staff_password_ends_that_persons_sessions(app, people):
    admin_id, agent_id = people
    agent = _staff_browser(app)
    admin = _staff_browser(app, "admin@example.com")
    assert _edit(app, admin, agent_id, password="set by the admin").status_code == 302
    assert not _logged_in(agent, "/staff/")
    assert _logged_in(admin, "/staff/")
    _staff_browser(app, password="set by the admin")


def test_deactivation_ends_the_sessions_even_after_reactivation(app, people):
    admin_id, agent_id = people
    agent = _staff_browser(app)
    admin = _staff_browser(app, "admin@example.com")
    assert _edit(app, admin, agent_id, active="").status_code == 302
    assert not _logged_in(agent, "/staff/")
    assert _edit(app, admin, agent_id, active="on").status_code == 302
    assert not _logged_in(agent, "/staff/")  # a session from before the deactivation stays dead


def test_an_administrator_changing_their_own_password_stays_logged_in_here_only(app, people):
    admin_id, _ = people
    desk, home = _staff_browser(app, "admin@example.com"), _staff_browser(app, "admin@example.com")
    assert _edit(app, desk, admin_id, password="a new admin pw").status_code == 302
    assert _logged_in(desk, "/staff/")
    assert not _logged_in(home, "/staff/")


def test_editing_only_a_name_keeps_the_sessions(app, people):
    admin_id, agent_id = people
    agent = _staff_browser(app)
    admin = _staff_browser(app, "admin@example.com")
    assert _edit(app, admin, agent_id, first_name="Renamed").status_code == 302
    assert _logged_in(agent, "/staff/")
