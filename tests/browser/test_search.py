"""A visitor searches from the header box, narrows to the forums and opens a result."""
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def test_search_and_open_a_result(live_app, page, shot):
    page.goto(live_app.base_url + "/")
    box = page.get_by_role("banner").get_by_role("searchbox", name="Search the help desk")
    box.fill("password")
    box.press("Enter")
    page.wait_for_url("**/search?q=password*")
    assert page.title().startswith("Search: password (")
    assert page.get_by_role("searchbox", name="Search for").input_value() == "password"
    expect(page.locator("mark", has_text="password").first).to_be_visible()
    assert page.get_by_role("banner").get_by_role("searchbox").count() == 0  # no second box on this page
    shot("kb-results")

    page.get_by_role("radio", name="Forums").check()
    page.get_by_role("searchbox", name="Search for").fill("ubuntu")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**area=forums*")
    expect(page.get_by_role("heading", name="1 result for “ubuntu” in forums")).to_be_visible()
    shot("forum-results")
    page.get_by_role("link", name="Installation fails on Ubuntu 24.04").click()
    expect(page.get_by_role("heading", name="Installation fails on Ubuntu 24.04")).to_be_visible()

    page.go_back()
    page.get_by_role("radio", name="Knowledge books").check()
    page.get_by_role("searchbox", name="Search for").fill("sync")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Sync is slow").click()
    expect(page.get_by_role("heading", name="Sync is slow", level=1)).to_be_visible()

    page.set_viewport_size(PHONE)
    page.goto(live_app.base_url + "/search?q=install&area=kb")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("results-phone")


def test_no_results_offers_the_other_area(live_app, page, shot):
    page.goto(live_app.base_url + "/search?q=zebra")
    expect(page.get_by_role("heading", name="No results for “zebra” in knowledge books")).to_be_visible()
    page.get_by_role("link", name="search the forums").click()
    assert page.get_by_role("radio", name="Forums").is_checked()
    shot("no-results")
