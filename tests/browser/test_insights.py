"""The staff dashboard's charts and content health, and the customer's forgiving search and feedback, in a
real browser (screenshots under test-output/screenshots/)."""
from playwright.sync_api import expect

from tests.browser.test_staff import staff_login


def test_forgiving_search_and_feedback_with_reasons(live_app, page, shot):
    page.goto(live_app.base_url + "/search?q=pasword")
    expect(page.locator("#forgiven")).to_contain_text("Showing results for")
    expect(page.locator("#forgiven")).to_contain_text("Search instead for")
    shot("forgiven")
    page.locator("ol.results a").first.click()
    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. What was missing?")
    page.get_by_label("It is out of date or wrong").check()
    page.get_by_label("Anything else? (optional)").fill("The menu is called Security now.")
    shot("feedback")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".flash")).to_contain_text("will read it")


def test_dashboard_charts_and_content_health(live_app, page, shot):
    staff_login(page, live_app.base_url)
    page.goto(live_app.base_url + "/staff/?days=90")
    expect(page.get_by_role("heading", name="The last 90 days")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)
    shot("dashboard")
    page.get_by_text("The figures as a table").click()
    expect(page.locator("#dashboard-table tbody tr")).to_have_count(90)
    page.goto(live_app.base_url + "/staff/content-health")
    expect(page.get_by_role("heading", name="Content health")).to_be_visible()
    shot("content-health")
