"""The layout in a real browser: desktop and phone widths, keyboard use, error pages."""
from playwright.sync_api import expect

from portal import settings
from portal.extensions import db

PHONE = {"width": 390, "height": 844}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_on_desktop_and_phone(live_app, page, shot):
    with live_app.app_context():
        settings.set_value("portal_phone", "+1 (555) 010-0199")
        db.session.commit()
    page.goto(live_app.base_url + "/")
    assert page.title() == "Home · Portico Help Desk"
    nav = page.get_by_role("navigation", name="Main")
    for text in ("Home", "Knowledge books", "Forums"):
        expect(nav.get_by_role("link", name=text, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="+1 (555) 010-0199").first).to_be_visible()
    expect(page.get_by_role("heading", name="Highlighted pages")).to_be_visible()
    expect(page.get_by_role("heading", name="Latest forum topics")).to_be_visible()
    assert no_horizontal_scroll(page)
    shot("home-desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    assert no_horizontal_scroll(page)
    expect(page.get_by_role("searchbox", name="Search the help desk")).to_be_visible()
    shot("home-phone")


def test_skip_link_and_focus_are_visible_from_the_keyboard(live_app, page, shot):
    page.goto(live_app.base_url + "/kb")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["x"] >= 0  # shown on focus, off-screen otherwise
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    shot("skip-link-focused")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_not_found_page_in_the_layout(live_app, page, shot):
    response = page.goto(live_app.base_url + "/kb/pages/9999-nothing")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("search").last.get_by_role("searchbox").fill("password")
    page.get_by_role("search").last.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=password*")
    expect(page.get_by_role("link", name="Changing your password")).to_be_visible()
    page.go_back()
    shot("not-found")
    page.set_viewport_size(PHONE)
    page.reload()
    assert no_horizontal_scroll(page)
    shot("not-found-phone")
