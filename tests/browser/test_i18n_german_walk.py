"""A German visitor walks the portal in a real Chromium (browser language de-DE, site languages en,de):
the request form with a mistake (the reason beside its field, in German), a KB page and a forum topic.
Screenshots: test-output/screenshots/test_german_walk-*.png. (Here rather than in tests/i18n: it shares the
one Chromium of tests/browser; a second Playwright in the same run cannot start.)"""
import re

import pytest

from portal import settings
from portal.extensions import db
from tests.browser.conftest import SCREENSHOTS

HUMAN_PAUSE_MS = 2100  # forms sent faster than form_min_seconds (2 s) are judged a bot's


@pytest.fixture
def german(browser, live_app):
    with live_app.app_context():
        settings.set_value("languages", "en,de")
        db.session.commit()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    visitor = context.new_page()
    visitor.set_default_timeout(10_000)
    yield visitor
    context.close()


def test_a_german_visitor_walks_the_portal(live_app, german):
    from playwright.sync_api import expect

    page = german
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(name):
        path = SCREENSHOTS / f"test_german_walk-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    base = live_app.base_url
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    main = page.get_by_role("navigation", name="Hauptnavigation")

    # The request form, sent with the first name left out and a bad address.
    main.get_by_role("link", name="Anfrage stellen").click()
    expect(page).to_have_title(re.compile("^Anfrage stellen"))
    page.get_by_label("Nachname").fill("Becker")
    page.locator("#email").fill("keine-adresse")
    page.get_by_label("Wie können wir helfen?").fill("Der Drucker druckt nur leere Seiten.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.locator("#first_name-errors")).to_have_text("Dieses Feld ist ein Pflichtfeld")
    expect(page.locator("#email-errors")).to_have_text("Das ist keine gültige E-Mail-Adresse.")
    expect(page.locator(".form-summary")).to_contain_text("Bitte beheben Sie diese Probleme:")
    expect(page.get_by_label("Wie können wir helfen?")).to_have_value("Der Drucker druckt nur leere Seiten.")
    german_error = shot("request-form-errors")
    assert german_error.exists()

    # Corrected, it is sent: the thanks are German too.
    page.get_by_label("Vorname").fill("Jana")
    page.locator("#email").fill("jana@example.com")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Anfrage senden").click()
    expect(page.locator(".flash")).to_contain_text("Ihr Zugangsschlüssel lautet")
    expect(page.get_by_role("heading", name="Verlauf")).to_be_visible()
    shot("request-sent")

    # A KB page, reached from the knowledge books.
    main.get_by_role("link", name="Wissensbücher").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wissensbücher")
    page.locator(".book-list a").first.click()
    expect(page.get_by_role("heading", name="Inhalt")).to_be_visible()
    page.locator(".toc-pages a").first.click()
    expect(page.get_by_text("War diese Seite hilfreich?")).to_be_visible()
    expect(page.get_by_role("note")).to_have_text(  # the demo pages have no German text yet
        "Diese Seite gibt es nicht in Ihrer Sprache; sie wird auf Englisch angezeigt.")
    expect(page.locator(".page-meta")).to_contain_text("Aktualisiert")
    expect(page.get_by_role("navigation", name="Brotkrumennavigation")).to_contain_text("Startseite")
    shot("kb-page")

    # A forum topic.
    main.get_by_role("link", name="Foren").click()
    expect(page).to_have_title(re.compile("^Foren"))
    page.locator("table a, .forum-list a").first.click()
    page.locator("tbody a").first.click()
    expect(page.get_by_text(re.compile(r"Begonnen von .+ · \d+ Beitr"))).to_be_visible()
    expect(page.get_by_role("heading", name="Antwort schreiben")).to_be_visible()
    expect(page.get_by_role("button", name="Antwort senden")).to_be_visible()
    shot("forum-topic")
