"""Staff login, logout, redirects, open-redirect protection and the permission boundaries."""
import re

import pytest

ALL_STAFF_PAGES = ["/staff/", "/staff/requests", "/staff/requests/1", "/staff/profile", "/staff/kb",
                   "/staff/forums", "/staff/forums/spam", "/staff/admin", "/staff/admin/settings",
                   "/staff/admin/staff", "/staff/admin/categories", "/staff/admin/statuses"]


@pytest.mark.parametrize("url", ALL_STAFF_PAGES)
def test_logged_out_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/staff/login?next=")


def test_login_then_logout(client, people):
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert response.status_code == 302 and response.location == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_wrong_password_is_refused(client, people):
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "wrong"})
    assert response.status_code == 400
    assert b"do not match" in response.data
    assert client.get("/staff/").status_code == 302


def test_repeated_failures_lock_the_account_for_a_while(client, people):
    from portal.accounts.services import MAX_FAILURES

    for _ in range(MAX_FAILURES):
        client.post("/staff/login", data={"email": "agent@example.com", "password": "guess"})
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert response.status_code == 429 and b"Too many failed login attempts" in response.data
    assert client.get("/staff/").status_code == 302


def test_an_inactive_account_cannot_log_in(app, client, people):
    from portal.accounts.models import Staff
    from portal.extensions import db

    with app.app_context():
        db.session.get(Staff, people["agent"]).active = False
        db.session.commit()
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse"})
    assert response.status_code == 400


def test_login_follows_a_local_next(client, people):
    response = client.post("/staff/login?next=/staff/kb", data={"email": "agent@example.com",
                                                                "password": "correct horse"})
    assert response.location == "/staff/kb"


@pytest.mark.parametrize("target", ["https://evil.test/", "//evil.test/x", "/\\evil.test"])
def test_login_never_redirects_to_another_host(client, people, target):
    response = client.post("/staff/login", data={"email": "agent@example.com", "password": "correct horse",
                                                 "next": target})
    assert response.location == "/staff/"


def test_a_customer_login_is_not_a_staff_login(app, client):
    from portal.accounts.services import set_customer_password
    from portal.extensions import db

    with app.test_request_context():
        set_customer_password("cust@example.com", "long enough password")
        db.session.commit()
    response = client.post("/staff/login", data={"email": "cust@example.com", "password": "long enough password"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/staff/admin", "/staff/admin/settings", "/staff/admin/api",
                                 "/staff/admin/staff", "/staff/admin/categories", "/staff/admin/fields",
                                 "/staff/admin/statuses", "/staff/forums", "/staff/forums/spam"])
def test_an_agent_cannot_reach_administration_or_moderation(login, url):
    assert login("agent").get(url).status_code == 403


@pytest.mark.parametrize("url", ["/staff/requests", "/staff/requests/1", "/staff/files/1", "/staff/admin",
                                 "/staff/admin/settings"])
def test_a_moderator_cannot_read_requests_or_administer(login, make_request, url):
    make_request()
    assert login("moderator").get(url).status_code == 403


def test_a_moderator_cannot_change_a_request(login, make_request):
    request_id = make_request()
    client = login("moderator")
    assert client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "public",
                                                                    "body": "hi"}).status_code == 403
    assert client.post(f"/staff/requests/{request_id}/trash", data={"confirm": "1"}).status_code == 403


@pytest.mark.parametrize("role,allowed", [("administrator", {"requests", "kb", "forums", "admin"}),
                                          ("agent", {"requests", "kb"}), ("moderator", {"kb", "forums"})])
def test_each_role_reaches_exactly_its_areas(login, role, allowed):
    client = login(role)
    pages = {"requests": "/staff/requests", "kb": "/staff/kb", "forums": "/staff/forums", "admin": "/staff/admin"}
    for area, url in pages.items():
        assert client.get(url).status_code == (200 if area in allowed else 403), (role, url)
    nav = client.get("/staff/").data
    assert (b'href="/staff/admin"' in nav) == ("admin" in allowed)
    assert (b'href="/staff/requests"' in nav) == ("requests" in allowed)


def test_dashboard_counts_the_queues(app, login, make_request, people):
    from portal.extensions import db
    from portal.requests.models import Request

    mine = make_request(assigned_to_id=people["agent"])
    make_request()
    with app.app_context():
        db.session.get(Request, mine).urgent = True
        db.session.commit()
    page = login("agent").get("/staff/").data.decode()
    tiles = dict((label, int(n)) for n, label in
                 re.findall(r"<strong>(\d+)</strong> ([\w ]+)</a>", page))
    assert tiles == {"Open requests": 2, "Assigned to me": 1, "Unassigned": 1, "Urgent": 1}
    assert "held as spam" not in page  # agents do not moderate
