"""The staff queue and request page read rows, not objects, and build their links once (issue 17): what they
show stays what the ORM objects showed, the request page's action paths (built from its own address) still
reach their views, and neither page runs more statements as its rows grow."""
import re

import pytest

from portal.extensions import db
from portal.files import Upload
from tests import factories
from tests.portal_helpers import add_login_route

# Every form and link the request page builds from its own address, and the view each must reach.
REQUEST_PAGE_ACTIONS = {
    "staff.add_note", "staff.close", "staff.trash", "staff.spam", "staff.revoke_links", "staff.subscription",
    "staff.edit_customer", "staff.log_time", "staff.delete_time", "staff.update", "staff.merge", "staff.pin_note",
    "staff.insert_response", "staff.attachment",
}


@pytest.fixture
def desk(app):
    """An administrator logged in, and a request with a reply (with a file), a private note, logged time, a
    canned response, a saved shared view and a contact with phones: {"staff": id, "request": id}."""
    from portal.accounts import contacts
    from portal.requests import filters, queue, responses, timelog, workflow

    add_login_route(app)
    with app.app_context():
        admin = factories.staff("ada@example.com", role="administrator", first_name="Ada", last_name="Admin")
        agent = factories.staff("bob@example.com", first_name="Bob")
        req = factories.request(email="kim@example.com", title="Printer <on> fire", first_name="Kim")
        workflow.add_staff_note(req, agent, "Try turning it off", public=True, notify_customer=False,
                                uploads=[Upload("steps.txt", b"x" * 2048, "text/plain")])
        workflow.add_staff_note(req, admin, "Asked the vendor", public=False, notify_customer=False)
        timelog.add_time(req, agent, duration="1:30", description="Calls", billable=True)
        responses.create_response(admin, title="Hello", body="Hi", folder="Greetings", shared=True)
        contacts.save_contact("kim@example.com", name="Kim Lee", phones=[contacts.PhoneInput("555-1", "mo")])
        filters.save(agent, "Bob's view", queue.QueueFilter(view="urgent"), shared=True)
        db.session.commit()
        ids = {"staff": admin.id, "request": req.id}
    return ids


def _logged_in(app, desk):
    client = app.test_client()
    assert client.get(f"/_test/login/staff/{desk['staff']}").status_code == 200
    return client


def test_request_page_actions_reach_their_views(app, desk):
    page = _logged_in(app, desk).get(f"/staff/requests/{desk['request']}").get_data(as_text=True)
    adapter = app.url_map.bind("localhost")
    reached = set()
    for method, path in re.findall(r'<form method="(post|get)" action="([^"#]+)', page):
        endpoint, _ = adapter.match(path, method=method.upper())
        reached.add(endpoint)
    for path in re.findall(r'href="(/staff/files/[^"]+)"', page):
        reached.add(adapter.match(path, method="GET")[0])
    assert REQUEST_PAGE_ACTIONS <= reached, REQUEST_PAGE_ACTIONS - reached


def test_request_page_shows_history_time_and_contact(app, desk):
    page = _logged_in(app, desk).get(f"/staff/requests/{desk['request']}").get_data(as_text=True)
    assert "Try turning it off" in page and "Asked the vendor" in page
    assert re.search(r"<strong>Bob</strong>\s*<span class=\"kind\">public", page)
    assert re.search(r"<strong>Ada Admin</strong>\s*<span class=\"kind\">private", page)
    assert ">steps.txt</a> <span class=\"muted\">(2 KB)</span>" in page
    assert "1:30 in all" in page and "Calls" in page and "· billable" in page
    assert "<dt>Contact name</dt><dd>Kim Lee</dd>" in page and "<dt>Mobile phone</dt><dd>555-1</dd>" in page


def test_queue_rows_show_what_the_requests_show(app, desk):
    client = _logged_in(app, desk)
    page = client.get("/staff/requests").get_data(as_text=True)
    row = re.search(r'<tr class="">(.*?)</tr>', page, re.S).group(1)
    assert f'<a href="/staff/requests/{desk["request"]}">Printer &lt;on&gt; fire</a>' in row
    assert "<td>Kim<br><span class=\"muted\">kim@example.com</span></td>" in row
    assert "<td>—</td>" in row and "<td>Active</td>" in row
    assert 'href="/staff/requests?view=urgent"' in page and "?filter=" in page
    assert "saved by Bob" in page


def _statements(app, client, path):
    from sqlalchemy import event

    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)
    client.get(path)  # warm the per-process settings
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in seen if "SAVEPOINT" not in s]


def test_request_page_statements_do_not_grow(app, desk):
    from portal.requests import timelog, workflow
    from portal.requests.models import Request

    client = _logged_in(app, desk)
    path = f"/staff/requests/{desk['request']}"
    few = _statements(app, client, path)
    with app.app_context():
        req = db.session.get(Request, desk["request"])
        for n in range(5):
            person = factories.staff(f"p{n}@example.com", first_name=f"P{n}")
            workflow.add_staff_note(req, person, f"Note {n}", public=bool(n % 2), notify_customer=False,
                                    uploads=[Upload(f"f{n}.txt", b"x", "text/plain")])
            timelog.add_time(req, person, duration="0:10")
        db.session.commit()
    many = _statements(app, client, path)
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 13, "\n".join(many)


def test_staff_nav_is_each_members_own(app, desk):
    """The staff navigation is rendered once per role and name and reused: each member still sees their own
    name, their role's links and their own session's CSRF token."""
    with app.app_context():
        agent_id = factories.staff("sam@example.com", first_name="Sam").id
        db.session.commit()
    admin = _logged_in(app, desk)
    agent = _logged_in(app, {"staff": agent_id})
    for _ in range(2):  # the second time from the reused fragments
        admin_page = admin.get("/staff/requests").get_data(as_text=True)
        agent_page = agent.get("/staff/requests").get_data(as_text=True)
        assert ">Ada Admin</a>" in admin_page and "Administration" in admin_page and "Sam" not in admin_page
        assert ">Sam</a>" in agent_page and "Administration" not in agent_page and "Ada Admin" not in agent_page
        tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) for page in (admin_page, agent_page)]
        assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
