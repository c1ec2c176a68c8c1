"""The layout's navigation, footer links and script words are rendered once per language and kind of page
(portal.templating.layout_fragment), then reused: what a reused copy shows must still be right for this
visitor and this page, and a settings change must show at once."""
import re

from portal import settings
from portal.extensions import db
from tests import factories
from tests.portal_helpers import add_login_route


def current_tab(html: str) -> str:
    nav = html[html.index('<nav class="site-nav"'):]
    return re.search(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', nav).group(1)


def test_the_current_tab_follows_the_page(app, client):
    app.config["PAGE_CACHE_ENTRIES"] = 0  # each page rendered: the copy reused is the layout's
    for path, tab in [("/kb", "Knowledge books"), ("/forums", "Forums"), ("/", "Home"), ("/kb", "Knowledge books"),
                      ("/requests/new", "Submit a request"), ("/forums", "Forums")]:
        html = client.get(path).get_data(as_text=True)
        assert current_tab(html) == tab, path
        nav = html[html.index('<nav class="site-nav"'):html.index("</nav>")]
        assert nav.count('aria-current="page"') == 1


def test_a_new_portal_name_shows_on_the_next_page(app, client):
    app.config["PAGE_CACHE_ENTRIES"] = 0
    assert "Help Desk Renamed" not in client.get("/kb").get_data(as_text=True)
    with app.app_context():
        settings.set_value("portal_name", "Help Desk Renamed")
        settings.set_value("portal_phone", "+1 555 0100")
        db.session.commit()
    html = client.get("/kb").get_data(as_text=True)
    footer = html[html.index('<footer'):]
    assert "Help Desk Renamed" in footer and "tel:+15550100" in footer


def test_a_logged_in_customer_never_gets_the_anonymous_navigation(app):
    add_login_route(app)
    app.config["PAGE_CACHE_ENTRIES"] = 0
    anonymous = app.test_client()
    assert "Log in" in anonymous.get("/kb").get_data(as_text=True)
    with app.app_context():
        customer = factories.customer("nav@example.com")
        db.session.commit()
        customer_id = customer.id
    visitor = app.test_client()
    visitor.get(f"/_test/login/customer/{customer_id}")
    html = visitor.get("/kb").get_data(as_text=True)
    assert "Log out" in html and "My requests" in html and ">Log in<" not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    # ...and the next anonymous visitor never gets theirs (a logout form with their token).
    again = anonymous.get("/kb").get_data(as_text=True)
    assert "Log in" in again and "Log out" not in again and token not in again
    # The navigation's copy is shared by customers; the logout form's token is this visitor's own and works.
    second = visitor.get("/forums").get_data(as_text=True)
    # (signed anew on each request: the same secret under a newer timestamp)
    own = re.search(r'name="csrf_token" value="([^"]+)"', second).group(1)
    assert "layout-csrf" not in second and own.split(".")[0] == token.split(".")[0]
    assert visitor.post("/account/logout", data={"csrf_token": own}).status_code in (302, 303)
    assert "Log in" in visitor.get("/kb").get_data(as_text=True)


def test_each_language_has_its_own_copy(app, client):
    app.config["PAGE_CACHE_ENTRIES"] = 0
    with app.app_context():
        settings.set_value("languages", "en,de")
        db.session.commit()
    english = client.get("/kb").get_data(as_text=True)
    german = client.get("/de/kb").get_data(as_text=True)
    assert "Knowledge books</a>" in english and "Submit a request" in english
    assert "Submit a request" not in german and "Anfrage" in german
    assert "Submit a request" in client.get("/kb").get_data(as_text=True)
