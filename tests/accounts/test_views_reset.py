"""Forgotten password: the emailed single-use, expiring link (through a real SMTP server)."""
import re
from datetime import timedelta

import pytest

from portal.accounts.models import PasswordReset
from portal.dates import utcnow
from portal.extensions import db


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def _reset_link(mailbox) -> str:
    body = mailbox.messages[-1].get_content()
    return re.search(r"http://portal\.test(/account/reset/\S+)", body).group(1)


def test_forgot_page(client):
    html = client.get("/account/forgot?email=kim%40example.com").get_data(as_text=True)
    assert "<title>Forgot your password?" in html and 'value="kim@example.com"' in html


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(client, customer, smtp_server):
    mailbox, _ = smtp_server
    known = client.post("/account/forgot", data={"email": customer[0]}, follow_redirects=True)
    unknown = client.post("/account/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    strip = lambda r, email: re.sub(r'name="csrf_token" value="[^"]+"', "", r.get_data(as_text=True)).replace(email, "E")  # noqa: E731
    assert strip(known, customer[0]) == strip(unknown, "nobody@example.com")
    assert "If an account exists for" in known.get_data(as_text=True)
    assert [m["To"] for m in mailbox.messages] == [customer[0]]  # only the real account got mail
    assert "Choose a new password" in mailbox.messages[0]["Subject"]


def test_an_empty_email_is_required(client):
    response = client.post("/account/forgot", data={"email": " "})
    assert response.status_code == 400 and 'id="email-errors"' in response.get_data(as_text=True)


def test_the_emailed_link_sets_a_new_password_once(client, customer, smtp_server):
    mailbox, _ = smtp_server
    client.post("/account/forgot", data={"email": customer[0]})
    link = _reset_link(mailbox)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<title>Choose a new password" in html
    assert '<meta name="referrer" content="no-referrer">' in html
    response = client.post(link, data={"password": "fresh password", "confirm": "fresh password"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/requests"
    assert client.get("/account/requests").status_code == 200  # logged in by the reset
    client.post("/account/logout")
    assert client.post("/account/login", data={"email": customer[0], "password": "fresh password"}
                       ).status_code == 302
    client.post("/account/logout")
    again = client.post(link, data={"password": "third password", "confirm": "third password"})
    assert again.status_code == 404 and "Ask for a new one" in again.get_data(as_text=True)
    assert client.get(link).status_code == 404


def test_an_expired_or_unknown_link_is_refused(app, client, customer, smtp_server):
    mailbox, _ = smtp_server
    client.post("/account/forgot", data={"email": customer[0]})
    link = _reset_link(mailbox)
    with app.app_context():
        db.session.execute(db.update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": "fresh password", "confirm": "fresh password"}).status_code == 404
    assert client.get("/account/reset/made-up-token").status_code == 404


def test_a_weak_new_password_is_refused_and_the_link_still_works(client, customer, smtp_server):
    mailbox, _ = smtp_server
    client.post("/account/forgot", data={"email": customer[0]})
    link = _reset_link(mailbox)
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 400 and "Use at least 8 characters." in response.get_data(as_text=True)
    assert client.get(link).status_code == 200
