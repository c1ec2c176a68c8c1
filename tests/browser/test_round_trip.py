"""The whole round trip in two browsers: a customer submits a request on the portal, staff answer it
in the workspace, and the customer sees the reply (by the staff member's first name) on the request page."""
import re

from playwright.sync_api import expect

from tests.browser.test_requests import HUMAN_PAUSE_MS, go_home_and_click
from tests.browser.test_staff import staff_login

SUBJECT = "Export to CSV loses accents"
QUESTION = "When I export my projects to CSV, names like Zoë turn into Zo?."
REPLY = "Thanks for the report: choose UTF-8 in the export dialog; we will make it the default."


def test_customer_submits_staff_answer_customer_reads(live_app, browser, page, shot):
    base = live_app.base_url
    go_home_and_click(page, base, "Submit a request")
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Email").fill("noor@example.com")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Category").select_option(label="Feature Request")
    page.get_by_label("How can we help?").fill(QUESTION)
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator(".flash")).to_contain_text("Your access key is")
    customer_url = page.url
    assert re.search(r"/requests/\d+[A-Za-z]{20}$", customer_url)
    shot("customer-submitted")

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        staff = staff_context.new_page()
        staff_login(staff, base)
        staff.get_by_role("navigation", name="Staff").get_by_role("link", name="Requests").click()
        staff.get_by_role("link", name=SUBJECT).click()
        expect(staff.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
        expect(staff.locator("ol.history")).to_contain_text(QUESTION)
        staff.get_by_label("Message").fill(REPLY)
        staff.locator(".note-form button[type=submit]").click()
        expect(staff.locator(".flash")).to_contain_text("Reply added")  # no mail server in this run: said so
        staff.screenshot(path=str(shot("customer-before-reload").parent / "round-trip-staff-replied.png"),
                         full_page=True)
    finally:
        staff_context.close()

    page.goto(customer_url)
    newest = page.locator(".request-history .note").first
    expect(newest).to_contain_text(REPLY)
    expect(newest).to_contain_text("Alex")
    expect(newest).not_to_contain_text("Morgan")  # staff appear by first name only
    expect(page.locator(".request-history")).to_contain_text(QUESTION)
    shot("customer-sees-reply")
