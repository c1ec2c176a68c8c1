"""Every POST route of the app refuses a POST without a CSRF token and with a wrong one (400, no row
changed). The routes come from ``app.url_map``, so a POST route added later without CSRF fails here,
and a route whose URL arguments this test cannot fill fails too (add its argument to ``ARGUMENTS``).
The API is the one exemption, on purpose: it authenticates by parameters or headers, never by cookie."""
import re

import pytest
from flask_wtf.csrf import generate_csrf

from portal.extensions import db
from tests.portal_helpers import add_login_route
from tests.security.test_injection import World, row_counts

API_ENDPOINTS = {"api.endpoint"}
API_BLUEPRINTS = ("rest_",)  # the REST dialects (portal.rest): a key in a header, never a cookie
# RFC 8058 one-click unsubscribe: the mail provider POSTs without a cookie, so no CSRF token can exist; the
# signed token in the URL is its only authority (a forged one is a 404, below and in test_mail_subscriptions).
SIGNED_LINK_ENDPOINTS = {"forums.unsubscribe", "staff.stop_notifications"}
CUSTOMER_ENDPOINTS = {"accounts.logout", "accounts.password", "accounts.history"}


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def world(app):
    add_login_route(app)
    return World.build(app)


def post_routes(app):
    """(endpoint, rule) for every rule that accepts POST, one per distinct rule."""
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    return [(rule.endpoint, rule) for rule in sorted(rules, key=lambda r: (r.endpoint, r.rule))]


def arguments(world) -> dict:
    """A value for every URL argument a POST route takes, pointing at a real row."""
    return {"key": world.access_key, "request_id": world.request_id, "forum_id": world.forum_id,
            "topic_id": world.topic_id, "post_id": world.post_id, "page_id": world.page_id,
            "book_id": world.book_id, "chapter_id": world.chapter_id, "attachment_id": world.kb_attachment_id,
            "category_id": world.category_id, "field_id": world.field_id, "status_id": 1,
            "staff_id": world.agent_id, "known_id": world.known_id, "token_id": world.token_id, "job_id": 1, "endpoint_id": 1, "mailbox_id": 1,
            "filter_id": 1, "feedback_id": 1,
            "kind": "page", "item_id": world.page_id, "token": world.reset_token, "slug": "x",
            "response_id": 1, "note_id": 1, "event_id": 1,
            "revision_id": 1, "lang": "en"}  # the staff workspace (ids: CSRF is refused first)


def url_for_rule(rule, values: dict) -> str:
    missing = [name for name in rule.arguments if name not in values]
    assert not missing, f"{rule.rule}: add a value for {missing} to arguments() so this route is checked"
    _, path = rule.build({name: values[name] for name in rule.arguments})
    return path


def login_for(client, world, endpoint: str) -> None:
    if endpoint.startswith("staff.") and endpoint != "staff.login":
        client.get(f"/_test/login/staff/{world.admin_id}")
    elif endpoint in CUSTOMER_ENDPOINTS:
        client.get(f"/_test/login/customer/{world.customer_id}")


FORM = {"note": "changed", "name": "changed", "title": "changed", "email": "x@example.com",
        "password": "correct horse", "first_name": "Changed", "body": "changed", "q": "x", "helpful": "yes"}


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(app, world):
    routes = post_routes(app)
    assert len(routes) >= 40, "the url map looks incomplete"
    checked = []
    values = arguments(world)
    for endpoint, rule in routes:
        if endpoint in API_ENDPOINTS or endpoint.startswith(API_BLUEPRINTS):
            continue
        url = url_for_rule(rule, values)
        if endpoint in SIGNED_LINK_ENDPOINTS:
            before = row_counts(app)
            assert app.test_client().post(url, data=FORM).status_code == 404, f"POST {url}: a forged link"
            assert row_counts(app) == before
            continue
        for label, extra in (("missing", {}), ("wrong", {"csrf_token": foreign_token(app)}),
                             ("garbage", {"csrf_token": "not-a-token"})):
            client = app.test_client()
            login_for(client, world, endpoint)
            client.get("/")  # the session now holds its own CSRF secret: a foreign token must not match it
            before = row_counts(app)
            response = client.post(url, data={**FORM, **extra})
            assert response.status_code == 400, f"POST {url} ({endpoint}) with a {label} token: {response.status_code}"
            assert "CSRF" in response.get_data(as_text=True), f"POST {url} ({endpoint}): a 400 that is not CSRF's"
            assert row_counts(app) == before, f"POST {url} ({endpoint}) changed rows with a {label} token"
        checked.append(endpoint)
    assert {"requests.new", "requests.check", "forums.forum", "forums.topic", "kb.vote", "staff.login",
            "accounts.login", "staff.update", "staff.kb_page", "staff.create_token"} <= set(checked)


def foreign_token(app) -> str:
    """A genuine token, signed with the app's key, but issued to another session."""
    with app.test_request_context():
        return generate_csrf()


def test_the_same_post_with_a_right_token_is_not_refused_as_csrf(app, world):
    # Proof that the 400s above come from CSRF: with the session's own token the vote goes through.
    client = app.test_client()
    page = client.get(f"/kb/pages/{world.page_id}", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    before = row_counts(app)["page_vote"]
    response = client.post(f"/kb/pages/{world.page_id}/vote", data={"csrf_token": token, "helpful": "yes"})
    assert response.status_code in (200, 302, 303)
    assert row_counts(app)["page_vote"] == before + 1


@pytest.mark.parametrize("via", ["body", "multipart"])
def test_the_api_is_exempt_on_purpose(app, client, world, via):
    from portal import settings

    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    before = row_counts(app)
    content_type = "multipart/form-data" if via == "multipart" else "application/x-www-form-urlencoded"
    for path in ("/api/index.php", "/api/", "/api"):
        response = client.post(path, data={"method": "request.create", "tNote": f"via {path}", "sEmail": "a@b.example",
                                           "output": "json"}, content_type=content_type)
        assert response.status_code == 200, response.data
        assert "xRequest" in response.get_json(force=True)
    assert row_counts(app)["request"] == before["request"] + 3
