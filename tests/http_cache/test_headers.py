"""What a proxy or CDN sees (portal.httpcache, portal.forms): no Set-Cookie on an anonymous read, public
replies with an ETag from the cache generations, 304 without rendering, private replies for everything that
is one visitor's, and forms on shared pages that still refuse forged posts."""
import re
import time

import pytest

from portal import spam
from portal.extensions import db
from portal.forums.models import Post
from tests.portal_helpers import add_login_route, form_field
from tests.security.test_csrf_everywhere import arguments, url_for_rule
from tests.security.test_injection import World

# Blueprints whose pages show one visitor's data (or are the API): private by design, tested below.
PRIVATE_BLUEPRINTS = ("accounts", "requests", "staff", "forms", "api", "rest_", "test_login")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def world(app):
    from portal import settings

    add_login_route(app)
    built = World.build(app)
    with app.app_context():
        settings.set_value("languages", "en,de")  # German pages at /de/..., and by Accept-Language
        db.session.commit()
    return built


def anonymous_reads(app, world):
    """Every GET route of the public blueprints, with real rows: a route added later is walked too."""
    values = {**arguments(world), "tag_id": world.page_id, "target_id": world.page_id, "filename": "css/site.css"}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in rule.methods and not rule.endpoint.startswith(PRIVATE_BLUEPRINTS):
            yield rule.endpoint, url_for_rule(rule, values)


def shared_pages(world) -> list[str]:
    return ["/", "/kb", f"/kb/books/{world.book_id}-manual", f"/kb/pages/{world.page_id}",
            "/forums", f"/forums/{world.forum_id}", f"/forums/topics/{world.topic_id}", "/search?q=first",
            "/de/kb"]


def test_no_anonymous_read_sets_a_cookie(app, world):
    walked = []
    for endpoint, url in anonymous_reads(app, world):
        response = app.test_client().get(url, follow_redirects=True)
        for reply in (*response.history, response):
            assert "Set-Cookie" not in reply.headers, f"GET {url} ({endpoint}) sets {reply.headers['Set-Cookie']}"
        walked.append(endpoint)
    assert {"site.home", "kb.page", "kb.book", "kb.chapter", "forums.topic", "forums.forum", "search.search",
            "kb.sitemap", "forums.feed"} <= set(walked)


def test_shared_pages_are_public_with_an_etag_and_vary(app, world):
    for url in shared_pages(world):
        response = app.test_client().get(url, follow_redirects=True)
        assert response.status_code == 200, url
        control = response.cache_control
        assert control.public and control.max_age == 0 and control.s_maxage == 10, (url, control)
        assert response.headers.get("ETag"), url
        assert "Cookie" in response.vary, url
        assert ("Accept-Language" in response.vary) == (not url.startswith("/de/")), url  # a prefix decides


def test_if_none_match_is_answered_304_without_rendering(app, world, monkeypatch):
    url = f"/forums/topics/{world.topic_id}-hello"
    first = app.test_client().get(url)
    tag = first.headers["ETag"]
    assert app.test_client().get(url).headers["ETag"] == tag  # the same for every visitor

    from portal.forums import views

    monkeypatch.setattr(views, "render_template", lambda *a, **k: pytest.fail("rendered for a 304"))
    again = app.test_client().get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag and again.cache_control.public
    monkeypatch.undo()

    with app.app_context():  # a new reply: the forums generation moves, and so does the ETag
        db.session.add(Post(topic_id=world.topic_id, name="Lee", body="<p>Another reply</p>"))
        db.session.commit()
    changed = app.test_client().get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "Another reply" in changed.get_data(as_text=True)


def test_the_etag_differs_by_language(app, world):
    url = f"/kb/pages/{world.page_id}-first"
    english = app.test_client().get(url, follow_redirects=True, headers={"Accept-Language": "en"})
    german = app.test_client().get(url, follow_redirects=True, headers={"Accept-Language": "de"})
    assert english.headers["ETag"] != german.headers["ETag"]


def test_one_visitors_pages_are_private(app, world):
    client = app.test_client()
    assert client.get(f"/requests/{world.access_key}").cache_control.no_store  # the access key's page
    assert client.get("/requests/new").cache_control.private
    assert client.get("/form-token").cache_control.no_store
    client.get(f"/_test/login/customer/{world.customer_id}")
    page = client.get(f"/kb/pages/{world.page_id}", follow_redirects=True)
    assert page.cache_control.private and page.cache_control.no_store and not page.cache_control.public
    staff = app.test_client()
    staff.get(f"/_test/login/staff/{world.admin_id}")
    assert staff.get("/staff/").cache_control.no_store


def test_a_visitor_with_a_session_gets_the_shared_body_privately(app, world):
    client = app.test_client()
    client.get("/form-token")  # the session a form's script starts
    response = client.get(f"/forums/topics/{world.topic_id}", follow_redirects=True)
    assert response.cache_control.private and not response.cache_control.public
    assert response.headers.get("ETag")  # the browser still revalidates cheaply


def test_shared_forms_carry_no_visitor_values_and_the_script_fetches_them(app, world):
    client = app.test_client()
    html = client.get(f"/forums/topics/{world.topic_id}", follow_redirects=True).get_data(as_text=True)
    assert 'name="csrf_token" value=""' in html and 'name="form_token" value=""' in html
    assert "/static/js/form-token.js" in html
    fetched = client.get("/form-token").get_json()
    assert fetched["csrf_token"] and fetched["form_token"]
    data = {"body": "Posted from a shared page", "name": "Zoe", "csrf_token": fetched["csrf_token"],
            "form_token": _aged_form_token(app)}
    assert client.post(f"/forums/topics/{world.topic_id}", data=data).status_code == 303


def _aged_form_token(app) -> str:
    with app.test_request_context():
        return spam.form_token(now=time.time() - 30)


def test_without_javascript_a_reply_comes_back_with_what_was_typed_and_a_token(app, world):
    client = app.test_client()
    url = f"/forums/topics/{world.topic_id}"
    data = {"body": "My long answer, typed without JavaScript", "name": "Zoe", "form_token": _aged_form_token(app)}
    with app.app_context():
        before = db.session.query(Post).count()
    refused = client.post(url, data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "send it again" in html
    assert "My long answer, typed without JavaScript" in html and "Zoe" in html
    token = form_field(client, html, "csrf_token")
    assert token and "Set-Cookie" in refused.headers
    again = client.post(url, data={**data, "csrf_token": token, "form_token": _aged_form_token(app)})
    assert again.status_code == 303
    with app.app_context():
        assert db.session.query(Post).count() == before + 1


def test_a_reply_posted_from_another_site_gets_the_plain_refusal(app, world):
    response = app.test_client().post(f"/forums/topics/{world.topic_id}", data={"body": "forged", "name": "X"},
                                      headers={"Origin": "https://evil.example"})
    assert response.status_code == 400 and "send it again" not in response.get_data(as_text=True)


def test_a_vote_needs_this_pages_token_and_this_site(app, world):
    client = app.test_client()
    html = client.get(f"/kb/pages/{world.page_id}", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # signed for the page, not a visitor
    url = f"/kb/pages/{world.page_id}/vote"
    with app.test_request_context():
        from portal.forms import page_token
        other = page_token(world.page_id + 1000)
    for data, headers in (({"helpful": "yes"}, {}), ({"helpful": "yes", "csrf_token": other}, {}),
                          ({"helpful": "yes", "csrf_token": token}, {"Origin": "https://evil.example"}),
                          ({"helpful": "yes", "csrf_token": token}, {"Referer": "https://evil.example/x"})):
        refused = app.test_client().post(url, data=data, headers=headers)
        assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True), (data, headers)
    assert "Set-Cookie" not in client.get(f"/kb/pages/{world.page_id}", follow_redirects=True).headers
    counted = client.post(url, data={"helpful": "yes", "csrf_token": token}, headers={"Origin": "http://localhost"})
    assert counted.status_code == 303
