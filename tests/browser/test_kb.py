"""A visitor browses from the home page to a knowledge-book page and rates it."""
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def test_browse_a_book_to_a_page_and_vote(live_app, page, shot):
    page.goto(live_app.base_url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge books").click()
    expect(page).to_have_title("Knowledge books · Portico Help Desk")  # waits for the navigation the click started
    shot("books")
    page.get_by_role("link", name="User Guide").click()
    expect(page.get_by_role("heading", name="User Guide", level=1)).to_be_visible()
    assert page.locator(".toc-pages li", has_text="Installing the desktop app").inner_text().startswith("1.2")
    shot("book-contents")
    page.get_by_role("link", name="Installing the desktop app").click()
    page.wait_for_url("**/kb/pages/*-installing-the-desktop-app")
    expect(page.get_by_role("heading", name="Installing the desktop app", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Related pages")).to_be_visible()
    shot("page")

    page.get_by_role("button", name="Yes").click()
    page.wait_for_url("**#vote")
    expect(page.get_by_text("Thank you for your feedback.")).to_be_visible()
    assert page.get_by_role("button", name="Yes").count() == 0
    shot("voted")
    page.reload()
    assert page.get_by_role("button", name="Yes").count() == 0  # one vote per browser

    page.locator("a[rel=next]").click()
    expect(page.get_by_role("heading", name="Your first project", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Yes")).to_be_visible()  # another page can still be rated

    page.set_viewport_size(PHONE)
    page.goto(live_app.base_url + "/kb/pages/2")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("page-phone")


def test_tag_and_printable_book(live_app, page, shot):
    page.goto(live_app.base_url + "/")
    page.locator(".tag-cloud").get_by_role("link", name="installation").click()
    expect(page.get_by_role("heading", name="Tag: installation")).to_be_visible()
    expect(page.get_by_role("link", name="Upgrading")).to_be_visible()
    shot("tag")
    page.get_by_role("link", name="Installing the desktop app").click()
    page.get_by_role("link", name="Printer-friendly book").click()
    expect(page.get_by_role("heading", name="1.1 Creating your account")).to_be_visible()
    shot("printable")
