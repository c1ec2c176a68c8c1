"""A visitor submits a request with a custom field and files, finds it again by its access key, and
updates it, in a real Chromium, starting from the home page and following links."""
import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.requests.models import Request
from tests.browser.conftest import SCREENSHOTS

# A 1x1 PNG: the request page must show it inline.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c"
                    "6360f8cf00000301010018dd8db00000000049454e44ae426082")
HUMAN_PAUSE_MS = 2100  # forms sent faster than form_min_seconds (2 s) are judged a bot's


def go_home_and_click(page, base_url: str, text: str) -> None:
    """Open the home page and follow the site navigation link with this text, as a visitor would.

    The links ("Submit a request", "Check a request", "Log in", "Create an account") are in the layout
    built on the portal2 branch: until it is merged, this fails here, on purpose, rather than skip."""
    page.goto(base_url + "/")
    page.get_by_role("link", name=text, exact=True).first.click()


def test_submit_check_and_update_a_request(live_app, page, shot):
    base = live_app.base_url
    go_home_and_click(page, base, "Submit a request")
    expect(page).to_have_title(re.compile("Submit a request"))
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("Email").fill("maya@example.com")
    page.get_by_label("Subject").fill("Charged twice in March")

    # Only the chosen category's fields show (the script hides the others and disables them).
    order = page.get_by_label("Order number")
    system = page.get_by_label("Operating system")
    expect(order).to_be_hidden()
    page.get_by_label("Category").select_option(label="Billing")
    expect(order).to_be_visible()
    expect(system).to_be_hidden()
    order.fill("20931")
    page.get_by_label("How can we help?").fill("My card was charged twice for order 20931.")
    page.get_by_label("Attachments").set_input_files([
        {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG},
        {"name": "statement.txt", "mimeType": "text/plain", "buffer": b"2x 49.00 EUR"},
    ])
    shot("form-filled")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Submit request").click()

    expect(page.locator(".flash")).to_contain_text("Your access key is")
    key = page.locator(".access-key strong").inner_text()
    assert re.fullmatch(r"\d+[A-Za-z]{20}", key)
    expect(page.locator(".request-history")).to_contain_text("My card was charged twice")
    shot("submitted")
    with live_app.app_context():
        req = db.session.execute(db.select(Request).where(Request.email == "maya@example.com")).scalar_one()
        assert req.access_key == key and req.category.name == "Billing"
        assert {v.field.name: v.value for v in req.field_values}["Order number"] == "20931"

    # Later, from the home page: type the key to find the request again.
    go_home_and_click(page, base, "Check a request")
    page.get_by_role("textbox", name="Access key", exact=True).fill(key)
    page.get_by_role("button", name="Check request").click()
    expect(page).to_have_url(f"{base}/requests/{key}")
    expect(page.locator("h1")).to_have_text("Charged twice in March")
    image = page.locator(".attachments img").first
    expect(image).to_be_visible()
    # The image loads after the page does; wait for it to finish (loaded or broken) before asking
    # whether it decoded, rather than racing the attachment request.
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 1  # the image loaded inline
    with page.expect_download() as download:
        page.get_by_role("link", name="statement.txt").click()
    assert download.value.suggested_filename == "statement.txt"
    shot("found-by-key")

    # An update with a file goes to the top of the history.
    page.get_by_label("Your update").fill("The second charge is still there today.")
    page.locator("#attachments").set_input_files([{"name": "bank.txt", "mimeType": "text/plain",
                                                   "buffer": b"statement line"}])
    page.get_by_role("button", name="Update request").click()
    expect(page.locator(".flash")).to_contain_text("your update was added")
    first_note = page.locator(".request-history article").first
    expect(first_note).to_contain_text("The second charge is still there today.")
    expect(first_note).to_contain_text("bank.txt")
    shot("updated")


def test_errors_show_next_to_their_fields_and_keep_the_text(live_app, page, shot):
    go_home_and_click(page, live_app.base_url, "Submit a request")
    page.get_by_label("First name").fill("Maya")
    page.get_by_label("Email").fill("maya-at-example")
    page.get_by_label("Category").select_option(label="Technical Support")
    page.get_by_label("How can we help?").fill("The app will not start.")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#email-errors")).to_contain_text("is not a valid email address")
    expect(page.locator("[id^=Custom][id$=-errors]")).to_contain_text("Please fill in Operating system")
    expect(page.get_by_label("How can we help?")).to_have_value("The app will not start.")
    expect(page.get_by_label("Operating system")).to_be_visible()  # the chosen category's fields show again
    shot("errors")


def test_the_form_works_without_javascript(live_app, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_app.base_url + "/requests/new")
        # Every public field shows, each marked with the categories it is for.
        expect(page.get_by_label("Operating system")).to_be_visible()
        expect(page.get_by_label("Order number")).to_be_visible()
        expect(page.get_by_text("Required for Billing.")).to_be_visible()
        page.get_by_label("First name").fill("Noor")
        page.get_by_label("Email").fill("noor@example.com")
        page.get_by_label("Category").select_option(label="Feature Request")
        page.get_by_label("Order number").fill("not for this category")  # ignored: not Feature Request's
        page.get_by_label("How can we help?").fill("Please add a dark theme.")
        page.wait_for_timeout(HUMAN_PAUSE_MS)
        page.get_by_role("button", name="Submit request").click()
        expect(page.locator(".flash")).to_contain_text("Your access key is")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "test_the_form_works_without_javascript-01-submitted.png"),
                        full_page=True)
    finally:
        context.close()


def test_suggestions_appear_while_typing(live_app, page, shot):
    page.goto(live_app.base_url + "/requests/new")
    page.get_by_label("Subject").fill("change my password")
    box = page.locator("#suggestions")
    expect(box).to_be_visible()
    expect(box.get_by_role("link").first).to_be_visible()
    shot("suggestions")
