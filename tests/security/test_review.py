"""The security review of the foundation, as tests: password hashing, API token storage, constant-time
comparisons, attachment storage, redirects and the request size limit."""
import hashlib
import hmac
import io
import os
import stat

import pytest

from portal import files
from portal.accounts import services as accounts
from portal.accounts.models import ApiToken, Customer, Staff
from portal.auth import safe_next
from portal.errors import NotFound
from portal.extensions import db
from portal.requests import services as requests
from portal.requests.services import RequestInput


@pytest.fixture
def compare_spy(monkeypatch):
    """Records every hmac.compare_digest call made by the services (the constant-time comparison)."""
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def test_staff_and_customer_passwords_are_hashed_with_scrypt(ctx):
    staff = accounts.create_staff("agent@example.com", "correct horse")
    customer = accounts.set_customer_password("pat@example.com", "battery staple")
    for row, password in ((staff, "correct horse"), (customer, "battery staple")):
        assert row.password_hash.startswith("scrypt:")
        assert password not in row.password_hash
        assert row.check_password(password)
        assert not row.check_password(password + "x")
    # Salted: the same password gives two different hashes.
    other = accounts.create_staff("other@example.com", "correct horse")
    assert other.password_hash != staff.password_hash


def test_api_tokens_are_stored_as_sha256_only(ctx):
    staff = accounts.create_staff("agent@example.com", "correct horse")
    token, secret = accounts.create_api_token(staff, "billing script")
    db.session.flush()
    row = db.session.get(ApiToken, token.id)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(getattr(row, column.key)) for column in ApiToken.__table__.columns]
    assert not any(secret in value for value in stored)
    assert len(row.prefix) < len(secret) // 2


def test_api_tokens_are_compared_in_constant_time(ctx, compare_spy):
    staff = accounts.create_staff("agent@example.com", "correct horse")
    token, secret = accounts.create_api_token(staff, "script")
    assert accounts.staff_for_token(secret) is staff
    assert any(token.token_hash in pair for pair in compare_spy)
    assert accounts.staff_for_token(secret[:-1] + ("a" if secret[-1] != "a" else "b")) is None
    assert accounts.staff_for_token("") is None


def test_access_keys_are_compared_in_constant_time(ctx, compare_spy):
    req = requests.create_request(RequestInput(note="Help", email="pat@example.com"), check_spam=False)
    db.session.flush()
    key = f"{req.id}{req.password}"
    assert requests.find_by_access_key(key) is req
    assert (req.password.encode(), req.password.encode()) in compare_spy
    wrong = req.password[:-1] + ("a" if req.password[-1] != "a" else "b")
    with pytest.raises(NotFound):
        requests.find_by_access_key(f"{req.id}{wrong}")
    with pytest.raises(NotFound):
        requests.find_by_access_key(f"{req.id}")


def test_access_key_letters_are_long_and_random(ctx):
    passwords = {requests.new_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 20 and p.isalpha() for p in passwords)


def test_attachments_are_stored_under_their_hash_and_never_executable(ctx, app):
    upload = files.Upload("../../evil.txt", b"#!/bin/sh\necho owned\n", "text/plain")
    req = requests.create_request(RequestInput(note="See file", email="pat@example.com"), [upload],
                                  check_spam=False)
    db.session.flush()
    attachment = req.initial_note.attachments[0]
    digest = hashlib.sha256(upload.data).hexdigest()
    assert attachment.sha256 == digest
    assert "/" not in attachment.filename and not attachment.filename.startswith(".")
    path = files.path_for(digest)
    assert path.name == digest
    assert path.resolve().is_relative_to(os.path.realpath(app.config["UPLOAD_DIR"]))
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) == 0
    assert mode & stat.S_IWOTH == 0 and mode & stat.S_IROTH == 0
    with pytest.raises(ValueError):
        files.path_for("../../etc/passwd")


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\boot.ini", "/abs/path.txt", ".htaccess",
                                  "a<script>.html", "\x00null.txt"])
def test_client_file_names_are_only_displayed_never_paths(name):
    safe = files.safe_filename(name)
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
    assert "<" not in safe and "\x00" not in safe


def test_svg_and_html_attachments_are_never_shown_inline():
    assert files.is_inline("image/png", "a.png")
    assert not files.is_inline("image/svg+xml", "a.svg")
    assert not files.is_inline("text/html", "a.html")
    assert not files.is_inline("image/png", "a.js")  # a row whose client declared a script an image


@pytest.mark.parametrize("target", [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
    "http:evil.example", "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    " //evil.example", "evil.example", "", None, "/\x00/evil.example",
])
def test_safe_next_refuses_every_other_host(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/staff/", "/staff/requests?status=1&page=2", "/kb/pages/3-a-b#part"])
def test_safe_next_keeps_local_paths(target):
    assert safe_next(target, "/home") == target


class ExplodingStream(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def __init__(self):
        self.reads = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.reads += 1
        raise AssertionError("the oversized body was read")


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1000}])
@pytest.mark.parametrize("path", ["/index.php", "/requests/1abc", "/no-such-page"])
def test_an_oversized_body_gets_413_without_being_read(client, path):
    stream = ExplodingStream()
    response = client.post(path, content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input": stream, "CONTENT_LENGTH": "1001"})
    assert response.status_code == 413
    assert stream.reads == 0


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1000}])
def test_a_body_within_the_limit_is_accepted(client):
    response = client.post("/index.php?pg=home", data={"x": "y" * 500})
    assert response.status_code == 301


def test_max_content_length_comes_from_max_request_bytes(monkeypatch, tmp_path):
    from portal import config

    monkeypatch.setenv("MAX_REQUEST_BYTES", "12345")
    assert config.from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"] == 12345


def test_customer_and_staff_rows_are_distinct_logins(ctx):
    # A customer id must never load as a staff member (the user loader keys ids by kind).
    from portal.auth import load_user

    staff = accounts.create_staff("agent@example.com", "correct horse")
    customer = accounts.set_customer_password("pat@example.com", "battery staple")
    db.session.flush()
    assert isinstance(load_user(staff.get_id()), Staff)  # "staff:<id>:<session generation>"
    assert isinstance(load_user(customer.get_id()), Customer)
    assert load_user(f"{staff.id}") is None
    assert load_user(f"admin:{staff.id}") is None


def test_executable_file_types_are_refused(ctx):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        requests.create_request(RequestInput(note="x", email="pat@example.com"),
                                [files.Upload("run.sh", b"#!/bin/sh\n")], check_spam=False)


@pytest.fixture
def password_checks(monkeypatch):
    """The stored hashes every login attempt verifies against (account rows and the decoy alike)."""
    import werkzeug.security

    from portal.accounts import models

    checked = []
    real = werkzeug.security.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", spy)
    monkeypatch.setattr(accounts, "check_password_hash", spy)
    return checked


def test_unknown_emails_cost_the_same_scrypt_check_as_known_ones(ctx, password_checks):
    # Without it a login answers faster for an unknown email, telling which addresses have accounts.
    accounts.create_staff("agent@example.com", "correct horse")
    accounts.set_customer_password("pat@example.com", "battery staple")
    accounts.ensure_customer("nopassword@example.com")  # a row made by a request, with no password yet
    db.session.flush()
    attempts = [(accounts.authenticate_staff, "agent@example.com"), (accounts.authenticate_staff, "ghost@example.com"),
                (accounts.authenticate_customer, "pat@example.com"), (accounts.authenticate_customer, "ghost@example.com"),
                (accounts.authenticate_customer, "nopassword@example.com")]
    for authenticate, email in attempts:
        password_checks.clear()
        assert authenticate(email, "wrong password") is None
        assert len(password_checks) == 1 and password_checks[0].startswith("scrypt:"), email
    assert accounts.authenticate_staff("agent@example.com", "correct horse") is not None
    assert accounts.authenticate_customer("pat@example.com", "battery staple") is not None
