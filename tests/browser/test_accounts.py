"""A customer who sent requests before having an account creates one, sees their history, opens a request
from it, logs out and back in, in a real Chromium, starting from the home page and following links."""
import re

from playwright.sync_api import expect

from tests.browser.test_requests import HUMAN_PAUSE_MS, go_home_and_click


def test_create_an_account_and_see_the_history(live_app, page, shot, smtp_server):
    base = live_app.base_url
    mailbox, port = smtp_server
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    # tsmith@example.com sent "App crashes on start" in the demo content, before having a password.
    go_home_and_click(page, base, "Create an account")
    expect(page).to_have_title(re.compile("Create an account"))
    page.get_by_role("textbox", name="Email", exact=True).fill("tsmith@example.com")
    shot("register")
    page.wait_for_timeout(HUMAN_PAUSE_MS)
    page.get_by_role("button", name="Send me a link").click()

    # Nothing is shown until the link mailed to the address is opened.
    expect(page.locator(".flash")).to_contain_text("We have emailed a link to tsmith@example.com")
    page.goto(f"{base}/account/requests")
    expect(page).to_have_title(re.compile("Log in"))
    [mail] = mailbox.messages
    assert mail["To"] == "tsmith@example.com"
    link = re.search(r"http://127\.0\.0\.1:\d+/account/reset/\S+", mail.get_content()).group(0)
    page.goto(link)
    expect(page).to_have_title(re.compile("Choose your password"))
    page.locator("#password").fill("tims secret")
    page.locator("#confirm").fill("tims secret")
    shot("choose-password")
    page.get_by_role("button", name="Set password").click()

    expect(page).to_have_url(f"{base}/account/requests")
    expect(page.locator(".flash")).to_contain_text("Your password is set")
    table = page.locator("table.request-history-table")
    expect(table).to_contain_text("App crashes on start")
    expect(table).not_to_contain_text("Invoice shows wrong VAT")  # Ana's, not Tim's
    shot("history")

    table.get_by_role("link").first.click()
    expect(page.locator("h1")).to_have_text("App crashes on start")
    expect(page.locator(".request-history")).to_contain_text("Since this morning the desktop app closes")
    expect(page.locator(".request-history")).not_to_contain_text("Checked the logs")  # a private note
    page.get_by_role("link", name="Back to your requests").click()

    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".flash")).to_contain_text("You are logged out")

    go_home_and_click(page, base, "Log in")
    page.get_by_role("textbox", name="Email", exact=True).fill("tsmith@example.com")
    page.locator("#password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#email-errors")).to_contain_text("Your login failed")
    page.locator("#password").fill("tims secret")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/account/requests")
    expect(page.locator("table.request-history-table")).to_contain_text("App crashes on start")
    shot("logged-in-again")
