"""Security headers on every response (pages, errors, JSON, API), HSTS over HTTPS, Secure cookies."""
import pytest
from flask import session
from flask_login import login_user

from portal import security
from portal.extensions import db

EXPECTED = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data: https:; object-src 'none'; base-uri 'self'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def assert_security_headers(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize("path,status", [("/", 200), ("/healthz", 200), ("/no-such-page", 404),
                                         ("/index.php?pg=request.check&id=1abc", 301)])
def test_every_kind_of_response_carries_the_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers


def test_error_pages_and_json_errors_carry_the_headers(client):
    assert_security_headers(client.get("/no-such-page", headers={"Accept": "application/json"}))
    assert_security_headers(client.delete("/"))  # 405


def test_api_replies_carry_the_headers(limited_app):
    client = limited_app().test_client()
    response = client.get("/api/index.php")
    assert response.is_json
    assert_security_headers(response)


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://portal.test")
    assert response.headers["Strict-Transport-Security"] == security.HSTS
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in client.get("/", base_url="http://portal.test").headers


def _cookie_routes(app):
    from portal.accounts.models import Staff

    def set_session():
        session["seen"] = True
        return "ok"

    def remember(staff_id):
        login_user(db.session.get(Staff, staff_id), remember=True)
        return "ok"

    app.add_url_rule("/_test/session", view_func=set_session)
    app.add_url_rule("/_test/remember/<int:staff_id>", view_func=remember)


def _set_cookies(response):
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_cookies_are_secure_when_configured(app, make_staff):
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    _cookie_routes(app)
    staff_id = make_staff()
    client = app.test_client()
    cookies = _set_cookies(client.get("/_test/session", base_url="https://portal.test"))
    assert "Secure" in cookies["session"] and "HttpOnly" in cookies["session"]
    cookies = _set_cookies(client.get(f"/_test/remember/{staff_id}", base_url="https://portal.test"))
    assert "Secure" in cookies["remember_token"] and "HttpOnly" in cookies["remember_token"]


def test_cookies_are_not_marked_secure_by_default(app, make_staff):
    _cookie_routes(app)
    staff_id = make_staff()
    client = app.test_client()
    cookies = _set_cookies(client.get("/_test/session"))
    assert "Secure" not in cookies["session"] and "SameSite=Lax" in cookies["session"]
    cookies = _set_cookies(client.get(f"/_test/remember/{staff_id}"))
    assert "Secure" not in cookies["remember_token"]
