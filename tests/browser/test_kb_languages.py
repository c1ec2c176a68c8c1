"""Staff write a page's German text and keep another page a draft; a visitor reads both languages with the
switcher, the fallback note and a link-only page."""
import re

from playwright.sync_api import expect

from portal import settings
from portal.extensions import db
from portal.kb.models import Page
from tests.browser.test_staff import staff_login


def test_staff_translate_and_customers_read_german(live_app, page, shot):
    with live_app.app_context():
        settings.set_value("languages", "en,de")
        db.session.commit()
        target = db.session.execute(db.select(Page).where(Page.name == "Installing the desktop app")).scalar_one()
        page_id = target.id
    staff_login(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/staff/kb/pages/{page_id}")
    page.get_by_role("link", name="Deutsch").click()
    page.get_by_label("Title").fill("Die Desktop-App installieren")
    page.get_by_label("Body (HTML)").fill("<p>Laden Sie das Installationsprogramm herunter.</p>")
    shot("staff-translation")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("written").first).to_be_visible()
    shot("staff-page-languages")
    page.get_by_role("link", name=re.compile("Revisions")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revisions of")
    shot("staff-revisions")

    visitor = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    visitor.goto(f"{live_app.base_url}/kb/pages/{page_id}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Installing the desktop app")
    visitor.get_by_label("Language").select_option("de")
    visitor.get_by_role("button", name="Change").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Die Desktop-App installieren")
    expect(visitor.get_by_label("Sprache")).to_have_value("de")  # the interface is German now (portal.i18n)
    visitor.screenshot(path=str(shot("staff-done").parent / "test_kb_languages-visitor-german.png"), full_page=True)
    visitor.locator("a[rel=next]").click()  # not translated: shown in English with a note
    expect(visitor.get_by_text("nicht in Ihrer Sprache")).to_be_visible()
    visitor.context.close()
