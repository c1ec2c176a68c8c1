"""The site layout, home page, health check, old HelpSpot links and error pages."""
import re
from datetime import timedelta

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError

from portal import files, settings
from portal.accounts.models import Customer
from portal.dates import utcnow
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, PageAttachment, Tag
from tests.portal_helpers import add_login_route

PORTAL_ENDPOINTS = {
    "requests.new": "/requests/new", "requests.lookup": "/requests/check", "accounts.login": "/account/login",
    "accounts.register": "/account/register", "accounts.history": "/account/requests",
    "accounts.logout": "/account/logout",
}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def content(app):
    with app.app_context():
        tags = {name: Tag(name=name) for name in ("install", "billing", "sync")}
        guide = Book(name="User Guide")
        internal = Book(name="Internal", private=True)
        chapter = Chapter(book=guide, name="Basics")
        pages = [Page(chapter=chapter, name="Install the app", body="<p>a</p>", highlight=True, helpful=9,
                      tags=[tags["install"], tags["sync"]]),
                 Page(chapter=chapter, name="Pay an invoice", body="<p>b</p>", helpful=2, position=1,
                      tags=[tags["install"], tags["billing"]]),
                 Page(chapter=chapter, name="Never voted", body="<p>c</p>", position=2, tags=[tags["install"]]),
                 Page(chapter=chapter, name="Hidden highlight", body="<p>d</p>", highlight=True, hidden=True,
                      helpful=50, position=3),
                 Page(chapter=Chapter(book=internal, name="Ops"), name="Private highlight", body="<p>e</p>",
                      highlight=True, helpful=40)]
        forum = Forum(name="Questions")
        private_forum = Forum(name="Staff", private=True)
        now = utcnow()
        topic = Topic(forum=forum, title="How to sync?", starter_name="Ann", post_count=2,
                      last_post_at=now - timedelta(hours=3))
        secret = Topic(forum=private_forum, title="Secret plans", starter_name="Eve", post_count=1)
        db.session.add_all([guide, internal, chapter, forum, private_forum, topic, secret, *pages,
                            Post(topic=topic, name="Ann", body="x"), Post(topic=secret, name="Eve", body="y")])
        db.session.flush()
        attachment = PageAttachment(page=pages[0], filename="setup.pdf", mime_type="application/pdf", size=4,
                                    sha256=files.store(b"%PDF"))
        db.session.add(attachment)
        db.session.commit()
        return {"book": guide.id, "chapter": chapter.id, "page": pages[0].id, "tag": tags["install"].id,
                "forum": forum.id, "topic": topic.id, "file": attachment.id}


def test_home_shows_welcome_search_highlights_helpful_tags_and_topics(app, client, content):
    with app.app_context():
        settings.set_value("welcome_message", '<p>Hello <b>there</b></p><script>alert(1)</script>')
        db.session.commit()
    page = text_of(client.get("/"))
    assert "<title>Home · Portico Help Desk</title>" in page
    assert "<p>Hello <b>there</b></p>" in page and "<script>alert(1)" not in page
    assert '<input id="home-search" type="search" name="q"' in page
    highlighted = page.split('id="highlighted-heading"')[1].split("</section>")[0]
    assert "Install the app" in highlighted and "Hidden highlight" not in highlighted
    assert "Private highlight" not in highlighted
    helpful = page.split('id="helpful-heading"')[1].split("</section>")[0]
    assert helpful.index("Install the app") < helpful.index("Pay an invoice") and "Never voted" not in helpful
    assert "Hidden highlight" not in helpful and "Private highlight" not in helpful
    topics = page.split('id="topics-heading"')[1].split("</section>")[0]
    assert f'href="/forums/topics/{content["topic"]}-how-to-sync">How to sync?</a>' in topics
    assert "2 posts" in topics and "3 hours ago" in topics and "Secret plans" not in topics


def test_home_tag_cloud_sizes_tags_by_count_with_classes(client, content):
    cloud = text_of(client.get("/")).split('class="tag-cloud"')[1].split("</ul>")[0]
    assert re.search(r'class="tag-size-5" href="/tags/\d+-install">install', cloud)  # 3 pages: the largest
    assert re.search(r'class="tag-size-1" href="/tags/\d+-billing">billing', cloud)
    assert cloud.index(">billing") < cloud.index(">install") < cloud.index(">sync")  # alphabetical
    assert "style=" not in cloud


def test_layout_has_landmarks_skip_link_nav_and_phone(app, client):
    with app.app_context():
        settings.set_value("portal_phone", "+1 (555) 010-0199")
        db.session.commit()
    page = text_of(client.get("/kb"))
    assert '<a class="skip-link" href="#main">Skip to content</a>' in page
    assert '<main id="main"' in page and '<nav class="site-nav" aria-label="Main">' in page
    assert "<footer" in page and "<header" in page
    assert '<a href="tel:+15550100199">+1 (555) 010-0199</a>' in page
    for text, href in (("Home", "/"), ("Knowledge books", "/kb"), ("Forums", "/forums")):
        assert f'href="{href}"' in page and f">{text}</a>" in page
    assert '<a href="/kb" aria-current="page">Knowledge books</a>' in page
    assert "style=" not in page and "<script" not in page


def test_nav_links_to_request_and_account_pages_once_they_exist(app, client):
    for endpoint, path in PORTAL_ENDPOINTS.items():
        if endpoint not in app.view_functions:
            app.add_url_rule(path, endpoint, lambda: "stub", methods=["GET", "POST"])
    add_login_route(app)
    page = text_of(client.get("/"))
    for text, path in (("Submit a request", "/requests/new"), ("Check a request", "/requests/check"),
                       ("Log in", "/account/login"), ("Create an account", "/account/register")):
        assert f'<a href="{path}">{text}</a>' in page
    assert "My requests" not in page and "Log out" not in page

    with app.app_context():
        customer = Customer(email="ann@example.com")
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
    client.get(f"/_test/login/customer/{customer_id}")
    page = text_of(client.get("/"))
    assert '<a href="/account/requests">My requests</a>' in page
    assert re.search(r'<form class="inline-form" method="post" action="/account/logout">.*?name="csrf_token".*?'
                     r'<button type="submit" class="link-button">Log out</button>', page)
    assert "Log in" not in page and "Create an account" not in page


def test_nav_renders_without_the_other_blueprints_pages(app, client):
    missing = [name for name in PORTAL_ENDPOINTS if name not in app.view_functions]
    page = text_of(client.get("/"))
    assert client.get("/").status_code == 200
    if "requests.new" in missing:
        assert "Submit a request" not in page


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "outbox_oldest_pending_seconds": None}


@pytest.mark.parametrize("query, expected", [
    ("pg=kb.book&id={book}", "/kb/books/{book}-user-guide"),
    ("pg=kb.chapter&id={chapter}", "/kb/chapters/{chapter}-basics"),
    ("pg=kb.page&id={page}", "/kb/pages/{page}-install-the-app"),
    ("pg=kb.printer.friendly&id={book}", "/kb/books/{book}/print"),
    ("pg=tag.search&id={tag}", "/tags/{tag}-install"),
    ("pg=forums.topics&id={forum}", "/forums/{forum}-questions"),
    ("pg=forums.posts&id={topic}", "/forums/topics/{topic}-how-to-sync"),
    ("pg=forums.posts&id={topic}&pc=2", "/forums/topics/{topic}-how-to-sync"),
    ("pg=forums.feed&id={forum}", "/forums/{forum}/feed.xml"),
    ("pg=file&from=2&id={file}", "/kb/files/{file}"),
    ("pg=kb", "/kb"), ("pg=forums", "/forums"), ("pg=home", "/"), ("", "/"), ("pg=nonsense", "/"),
    ("pg=kb.page", "/"), ("pg=kb.page&id=abc", "/"),
    ("pg=search&q=sync&area=kb", "/search?q=sync&area=kb"),
    ("pg=search&q=sync&area=forums", "/search?q=sync&area=forums"),
])
def test_old_helpspot_links_land_on_the_new_pages(client, content, query, expected):
    response = client.get(f"/index.php?{query.format(**content)}", follow_redirects=True)
    assert response.status_code == 200
    final = response.request.path + (f"?{response.request.query_string.decode()}"
                                     if response.request.query_string else "")
    assert final == expected.format(**content)
    assert all(r.status_code == 301 for r in response.history)


@pytest.mark.parametrize("link", ["?pg=kb.page&id={page}", "?pg=forums.posts&id={topic}"])
def test_search_api_links_resolve_from_the_site_root(client, content, link):
    """kb.search/forums.search return links like ?pg=kb.page&id=16, relative to the portal root."""
    response = client.get("/" + link.format(**content), follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path.startswith(("/kb/pages/", "/forums/topics/"))


@pytest.fixture
def failing_routes(app):
    def boom():
        raise RuntimeError("kaboom")

    def database_down():
        raise OperationalError("SELECT 1", {}, Exception("unreachable"))

    app.add_url_rule("/_test/boom", "boom", boom)
    app.add_url_rule("/_test/db", "db_down", database_down)
    app.add_url_rule("/_test/403", "forbidden", lambda: abort(403))
    app.add_url_rule("/_test/429", "limited", lambda: abort(429))
    app.add_url_rule("/_test/418", "teapot", lambda: abort(418))


@pytest.mark.parametrize("path, status, title", [
    ("/no/such/page", 404, "Page not found"), ("/_test/403", 403, "Not allowed"),
    ("/_test/429", 429, "Too many requests"), ("/_test/boom", 500, "Something went wrong"),
    ("/_test/db", 503, "Briefly unavailable"), ("/_test/418", 418, "That did not work"),
])
def test_error_pages_use_the_layout(client, failing_routes, path, status, title, caplog):
    response = client.get(path)
    assert response.status_code == status
    page = text_of(response)
    assert f"<title>{title} · Portico Help Desk</title>" in page
    assert f"Error {status}" in page and '<nav class="site-nav"' in page
    assert "kaboom" not in page and "Traceback" not in page


def test_errors_are_json_for_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_the_503_page_renders_even_when_settings_cannot_be_read(app, client, failing_routes, monkeypatch, caplog):
    def unreachable():
        raise OperationalError("SELECT", {}, Exception("down"))

    monkeypatch.setattr(settings, "all_settings", unreachable)
    response = client.get("/_test/db")
    assert response.status_code == 503
    assert "Portico Help Desk" in response.get_data(as_text=True)  # the default portal name


def test_with_login_required_visitors_log_in_first(app, client, content):
    if "accounts.login" not in app.view_functions:
        app.add_url_rule("/account/login", "accounts.login", lambda: "login page")
    add_login_route(app)
    with app.app_context():
        settings.set_value("require_login", True)
        customer = Customer(email="ann@example.com")
        db.session.add(customer)
        db.session.commit()
        customer_id = customer.id
    for path in ("/", "/kb", f"/kb/pages/{content['page']}", f"/forums/{content['forum']}-questions",
                 "/search?q=sync", f"/kb/files/{content['file']}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/account/login?next=/")
    assert client.get("/healthz").status_code == 200
    client.get(f"/_test/login/customer/{customer_id}")
    assert client.get("/kb").status_code == 200 and client.get("/").status_code == 200


def test_home_uses_a_fixed_number_of_queries(app, client, content):
    """Measured with the home lists' cache emptied: the lists themselves must not query per row."""
    from portal import cache
    from tests.portal_helpers import count_queries

    client.get("/")
    cache.clear(app)
    with count_queries(app) as few:
        client.get("/")
    with app.app_context():
        for n in range(6):
            chapter = Chapter(book=Book(name=f"Book {n}"), name=f"Chapter {n}")
            forum = Forum(name=f"Forum {n}")
            topic = Topic(forum=forum, title=f"Topic {n}", starter_name="Ann", post_count=1)
            db.session.add_all([Page(chapter=chapter, name=f"Extra {n}", body="x", highlight=True, helpful=n + 1,
                                     tags=[Tag(name=f"tag{n}")]),
                                forum, topic, Post(topic=topic, name="Ann", body="x")])
        db.session.commit()
    cache.clear(app)
    with count_queries(app) as many:
        page = client.get("/").get_data(as_text=True)
    assert "Extra 5" in page and "Topic 5" in page and "tag5" in page
    assert len(many) == len(few) > 1, many


def test_staff_browsing_the_portal_get_a_link_back_to_their_workspace(app, client, make_staff):
    if "staff.dashboard" not in app.view_functions:
        app.add_url_rule("/staff/", "staff.dashboard", lambda: "workspace")
    add_login_route(app)
    assert "Staff workspace" not in client.get("/").get_data(as_text=True)
    client.get(f"/_test/login/staff/{make_staff()}")
    assert '<a href="/staff/">Staff workspace</a>' in client.get("/").get_data(as_text=True)
