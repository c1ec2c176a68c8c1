"""Deflection end to end: a customer types a question on the request form, sees a matching page beside
it, opens it in a new tab, reads it in place beside the form, says it answered the question there, and the
staff deflection page counts it (opened once: the tab and the panel are the same suggestion)."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_staff import staff_login

NAME = "test_a_suggestion_that_answers_is_counted_on_the_staff_page"


def test_a_suggestion_that_answers_is_counted_on_the_staff_page(live_app, browser, page, shot):
    page.goto(live_app.base_url + "/requests/new")
    page.get_by_label("Subject").fill("How do I change my passw")
    panel = page.locator("#suggestions")
    expect(panel).to_be_visible()
    expect(page.locator("#suggestions-status")).to_contain_text("may answer your question")
    first = panel.locator("li").first
    title = first.get_by_role("link").inner_text()
    shot("suggestions")

    # Keyboard: the suggestion's link and its buttons are reachable with Tab from the form.
    first.get_by_role("link").focus()
    page.keyboard.press("Tab")
    expect(first.get_by_role("button", name="Read it here")).to_be_focused()
    page.keyboard.press("Tab")
    expect(first.get_by_role("button", name="This answered my question")).to_be_focused()

    with page.context.expect_page() as opened_info:
        first.get_by_role("link").click()
    opened = opened_info.value
    opened.wait_for_load_state()
    expect(opened.get_by_role("heading", level=1)).to_contain_text(title)
    opened.screenshot(path=str(SCREENSHOTS / f"{NAME}-02b-opened-tab.png"), full_page=True)
    opened.close()
    expect(page.get_by_label("Subject")).to_have_value("How do I change my passw")  # what was typed stays

    # Read in place: the page's body beside the form, focus on its heading; Escape gives focus back.
    read = first.get_by_role("button", name="Read it here")
    read.click()
    reader = page.locator("#suggestion-reader")
    expect(reader).to_be_visible()
    expect(reader.get_by_role("heading", level=3)).to_be_focused()
    expect(reader.get_by_role("heading", level=3)).to_have_text(title)
    expect(read).to_have_attribute("aria-expanded", "true")
    shot("read-in-place")
    page.keyboard.press("Escape")
    expect(reader).to_be_hidden()
    expect(read).to_be_focused()
    expect(read).to_have_attribute("aria-expanded", "false")
    read.press("Enter")
    expect(reader.get_by_role("heading", level=3)).to_be_focused()
    expect(page.get_by_label("Subject")).to_have_value("How do I change my passw")

    reader.get_by_role("button", name="This answered my question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    expect(page.locator("main")).to_contain_text("No request was sent")
    shot("answered")

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = staff_context.new_page()
    try:
        staff_login(staff_page, live_app.base_url)
        staff_page.goto(live_app.base_url + "/staff/deflection")
        expect(staff_page.locator("#deflection-answered")).to_have_text("1")
        expect(staff_page.locator("#deflection-rate")).to_have_text("100%")
        row = staff_page.locator("#top-answers tbody tr").first
        expect(row).to_contain_text(title)
        expect(row.locator("td.num").first).to_have_text("1")  # answered
        expect(row.locator("td.num").nth(1)).to_have_text("1")  # opened
        assert re.search(r"/staff/kb/pages/\d+$", row.get_by_role("link").get_attribute("href"))
        staff_page.screenshot(path=str(SCREENSHOTS / f"{NAME}-04-staff-deflection.png"), full_page=True)
    finally:
        staff_context.close()
