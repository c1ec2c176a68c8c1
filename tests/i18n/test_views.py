"""The interface follows the visitor's language (the KB's choice: URL prefix, switcher cookie, Accept-Language):
labels, form errors beside their fields, flashes, dates and numbers; cached pages are kept per language; the
APIs and staff pages keep to English unless the staff member's browser asks otherwise."""
from datetime import datetime

import pytest

from portal import settings
from portal.extensions import db
from portal.kb.languages import LANGUAGE_COOKIE
from tests import factories
from tests.requests.test_views import form_data

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def german_site(app):
    with app.app_context():
        settings.set_value("languages", "en,de")
        db.session.commit()


def test_request_form_in_german_with_the_error_beside_its_field(app, client, german_site):
    page = client.get("/requests/new", headers=GERMAN).get_data(as_text=True)
    assert '<html lang="de">' in page and "Anfrage stellen" in page and ">Vorname" in page
    assert "Wie können wir helfen?" in page and "How can we help?" not in page

    response = client.post("/requests/new", data=form_data(app, first_name="", email="kein-email"), headers=GERMAN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    first_name_errors = html.split('id="first_name-errors"', 1)[1].split("</ul>", 1)[0]
    assert "Dieses Feld ist ein Pflichtfeld" in first_name_errors
    email_errors = html.split('id="email-errors"', 1)[1].split("</ul>", 1)[0]
    assert "Das ist keine gültige E-Mail-Adresse." in email_errors
    assert "Bitte beheben Sie diese Probleme:" in html


def test_the_flash_after_a_request_is_german(app, client, german_site):
    response = client.post("/requests/new", data=form_data(app), headers=GERMAN, follow_redirects=True)
    assert "Danke, wir haben Ihre Anfrage erhalten. Ihr Zugangsschlüssel lautet" in response.get_data(as_text=True)


def test_the_switcher_cookie_and_the_prefix_choose_the_interface(app, client, german_site):
    client.set_cookie(LANGUAGE_COOKIE, "de")
    assert "Wissensbücher" in client.get("/kb").get_data(as_text=True)
    client.delete_cookie(LANGUAGE_COOKIE)
    assert "Knowledge books" in client.get("/kb").get_data(as_text=True)
    assert "Wissensbücher" in client.get("/de/kb").get_data(as_text=True)


def test_a_language_the_site_does_not_offer_keeps_english(app, client):
    page = client.get("/requests/new", headers=GERMAN).get_data(as_text=True)  # languages: en only
    assert '<html lang="en">' in page and "How can we help?" in page


def test_cached_pages_are_kept_per_language(app, client, german_site):
    assert "Foren" in client.get("/forums", headers=GERMAN).get_data(as_text=True)
    english = client.get("/forums", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and ">Forums<" in english
    assert '<html lang="de">' in client.get("/forums", headers=GERMAN).get_data(as_text=True)


def test_forum_topic_dates_and_counts_follow_the_locale(app, client, german_site):
    with app.app_context():
        forum = factories.forum(name="Allgemein")
        topic = factories.topic(forum, title="Drucker", when=datetime(2024, 3, 5, 14, 30))
        db.session.commit()
        topic_id = topic.id
    html = client.get(f"/forums/topics/{topic_id}", headers=GERMAN, follow_redirects=True).get_data(as_text=True)
    assert "Begonnen von" in html and "1 Beitrag" in html
    assert "05.03.2024, 14:30:00 UTC" in html  # Babel's German medium date, not "Mar 5 2024, 02:30 PM"


def test_numbers_follow_the_locale(app):
    from portal.i18n import number
    with app.test_request_context(headers=GERMAN):
        settings.set_value("languages", "en,de")
        assert number(1234567.5) == "1.234.567,5"
    with app.test_request_context():
        assert number(1234567.5) == "1,234,567.5"


def test_the_helpspot_api_answers_in_english_whatever_the_browser(app, client, german_site):
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()
    response = client.post("/api/index.php", data={"method": "request.create", "output": "json", "tNote": "Hallo"},
                           headers=GERMAN)
    assert "You must provide some customer information" in response.get_data(as_text=True)


def test_staff_pages_follow_the_staff_members_browser(app, client, german_site):
    assert "Dieses Feld" not in client.get("/staff/login").get_data(as_text=True)
    assert '<html lang="de">' in client.get("/staff/login", headers=GERMAN).get_data(as_text=True)


def test_error_pages_are_german_and_json_errors_english(app, client, german_site):
    page = client.get("/no-such-page", headers=GERMAN)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "Seite nicht gefunden" in html and "Die angeforderte Adresse gibt es auf diesem Server nicht." in html
    as_json = client.get("/no-such-page", headers={**GERMAN, "Accept": "application/json"})
    assert "was not found on the server" in as_json.get_data(as_text=True)


def test_templates_gettext_translates_escapes_its_variables_and_formats_as_jinja_does(app, german_site):
    """Templates' ``_()`` is one function (portal.templating.template_gettext), not Jinja's three layers: it must
    still translate, escape its variables (not the translation) in HTML, and always format ("%%" is "%")."""
    from flask_babel import force_locale

    html = app.jinja_env.from_string(
        "{{ _('Open') }}|{{ _('<em>%(who)s</em> wrote', who=name) }}|{{ _('100%% sure') }}|{% trans %}Open{% endtrans %}")
    with app.test_request_context("/", headers=GERMAN):
        assert html.render(name="<b>Ann</b>") == "Offen|<em>&lt;b&gt;Ann&lt;/b&gt;</em> wrote|100% sure|Offen"
        with force_locale("en"):
            assert html.render(name="Ann") == "Open|<em>Ann</em> wrote|100% sure|Open"
    text = app.jinja_env.overlay(autoescape=False).from_string("{{ _('%(who)s wrote', who=name) }}|{{ _('Open') }}")
    with app.test_request_context("/", headers=GERMAN):
        assert text.render(name="<b>Ann</b>") == "<b>Ann</b> wrote|Offen"


def test_locale_code_follows_the_request_and_force_locale(app, german_site):
    """``locale_code`` keeps its string beside the locale it came from: a forced locale (a mail in its
    recipient's language) and the next request's choice are never answered with the kept one."""
    from flask_babel import force_locale

    from portal.i18n import locale_code

    with app.test_request_context("/", headers=GERMAN):
        app.preprocess_request()
        assert locale_code() == "de"
        with force_locale("fr"):
            assert locale_code() == "fr"
        assert locale_code() == "de"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        app.preprocess_request()
        assert locale_code() == "en"  # Spanish is not among the site's languages (en,de)
    with app.test_request_context("/staff/login", headers={"Accept-Language": "es"}):
        app.preprocess_request()
        assert locale_code() == "es"  # staff pages follow the browser
