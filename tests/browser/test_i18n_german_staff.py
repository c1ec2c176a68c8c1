"""A staff member whose browser asks for German (de-DE) works in German in a real Chromium: the login, the
queue, a request page, a private note's and the trash's flash messages. Screenshots:
test-output/screenshots/test_german_staff-*.png."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_staff import DEMO_EMAIL, DEMO_PASSWORD, SUBJECT


@pytest.fixture
def german(browser, live_app):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_german_agent_works_the_queue_and_a_request_in_german(live_app, german):
    page = german
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(name):
        path = SCREENSHOTS / f"test_german_staff-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    base = live_app.base_url

    page.goto(base + "/staff/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("E-Mail").fill(DEMO_EMAIL)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hallo")
    shot("dashboard")

    page.get_by_role("navigation", name="Mitarbeiter").get_by_role("link", name="Anfragen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anfragen")
    expect(page.get_by_role("columnheader", name="Kunde")).to_be_visible()
    expect(page.get_by_role("button", name="Filtern")).to_be_visible()
    expect(page.locator("p.muted", has_text=re.compile(r"^\d+ Anfragen?$"))).to_be_visible()
    assert shot("queue").exists()

    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Anfrage {page.url.rsplit('/', 1)[-1]}: ")
    expect(page.get_by_role("heading", name="Antworten")).to_be_visible()
    page.get_by_label("Interne Notiz (nur Mitarbeiter)").check()
    page.get_by_label("Nachricht").fill("Intern: Sync-Dienst neu gestartet.")
    page.get_by_role("button", name="Interne Notiz hinzufügen").click()  # (staff.js names it, in German)
    expect(page.locator(".flash")).to_contain_text("Interne Notiz hinzugefügt.")
    assert shot("request").exists()

    trash = page.locator("form[action$='/trash']")
    trash.get_by_label("bestätigen").check()
    trash.get_by_role("button", name="In den Papierkorb").click()
    expect(page.locator(".flash")).to_contain_text("In den Papierkorb verschoben.")
    expect(page.locator(".badge.trash")).to_have_text("Im Papierkorb")
    shot("trashed")
