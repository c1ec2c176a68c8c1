"""Forms on pages that proxies may share (portal/forms.py, docs/http-caching.md): reading starts no session;
touching the form fetches its token; without JavaScript a reply comes back to be sent again, nothing lost."""
from playwright.sync_api import expect


def cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def test_reading_sets_no_cookie_and_touching_the_form_fetches_the_token(live_app, page, shot):
    page.goto(live_app.base_url + "/forums/2")
    page.get_by_role("link", name="How do I share a project with a client?").click()
    assert cookie_names(page) == set()  # two pages read, no session
    assert page.locator('input[name="csrf_token"]').input_value() == ""
    with page.expect_response("**/form-token"):
        page.get_by_label("Message").click()
    expect(page.locator('input[name="csrf_token"]')).not_to_have_value("")
    assert "session" in cookie_names(page)
    page.get_by_label("Message").fill("Shared from the project menu.")
    page.get_by_label("Your name").fill("Ana")
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url("**#post-*")
    expect(page.get_by_text("Your reply has been posted.")).to_be_visible()
    shot("replied-with-fetched-token")


def test_without_javascript_the_reply_comes_back_to_be_sent_again(live_app, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_app.base_url + "/forums/2")
        page.get_by_role("link", name="How do I share a project with a client?").click()
        page.get_by_label("Message").fill("Typed without JavaScript.")
        page.get_by_label("Your name").fill("Noa")
        page.wait_for_timeout(2100)
        page.get_by_role("button", name="Post reply").click()
        assert "send it again" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Message").input_value() == "Typed without JavaScript."
        page.screenshot(path=str(_screenshot("send-again")), full_page=True)
        page.wait_for_timeout(2100)
        page.get_by_role("button", name="Post reply").click()
        expect(page.get_by_text("Your reply has been posted.")).to_be_visible()
        assert "Typed without JavaScript." in page.content()
    finally:
        context.close()


def _screenshot(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"test_without_javascript-{name}.png"
