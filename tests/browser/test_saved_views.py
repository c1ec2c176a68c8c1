"""Saved queue views in a real browser: filter the queue, save the view, open it again, rename it, delete it."""
from playwright.sync_api import expect

from .test_staff import staff_login


def test_staff_saves_renames_and_deletes_a_queue_view(live_app, page, shot):
    staff_login(page, live_app.base_url)
    page.goto(live_app.base_url + "/staff/requests?view=urgent")
    page.get_by_label("Save this view as").fill("Urgent ones")
    page.get_by_label("Shared with every staff member").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".flash")).to_contain_text('Saved the view "Urgent ones".')
    saved_nav = page.get_by_role("navigation", name="Saved views")
    expect(saved_nav.get_by_role("link", name="Urgent ones (shared)")).to_have_attribute("aria-current", "page")
    shot("saved-view")
    page.goto(live_app.base_url + "/staff/requests")
    page.get_by_role("navigation", name="Saved views").get_by_role("link", name="Urgent ones (shared)").click()
    expect(page.get_by_label("Name of this view")).to_have_value("Urgent ones")
    page.get_by_label("Name of this view").fill("Hot")
    page.locator("section.saved-view").get_by_label("Shared with every staff member").uncheck()
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("navigation", name="Saved views").get_by_role("link", name="Hot", exact=True)).to_be_visible()
    page.get_by_role("button", name="Delete this view").click()
    shot("confirm-delete")
    page.get_by_label("Yes").or_(page.locator("input[name=confirm]")).first.check()
    page.get_by_role("button", name="Delete view").click()
    expect(page.locator(".flash")).to_contain_text('Deleted the view "Hot".')
    expect(page.get_by_role("navigation", name="Saved views")).to_have_count(0)
