"""The staff workspace in a real browser: log in, find a request in the queue, answer it publicly,
and see the reply (and a private note) in the request's staff history.

The whole round trip (a customer submits, staff answer, the customer reads the reply) is in
test_round_trip.py."""
import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.requests.models import Request

DEMO_EMAIL, DEMO_PASSWORD = "admin@portico.test", "portico-demo"
SUBJECT = "Sync stopped for the whole team"  # a demo request with no reply yet
REPLY_TEXT = "We restarted the sync service; please try again now."


def staff_login(page, base_url, shot=None):
    page.goto(base_url + "/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))
    if shot:
        shot("login")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def answer_request(page, live_app, shot) -> str:
    """Answer the demo request publicly from the staff workspace; returns its access key."""
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Requests").click()
    expect(page.get_by_role("heading", name="Requests")).to_be_visible()
    shot("queue")
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    page.get_by_label("Message").fill(REPLY_TEXT)
    page.locator(".note-form button[type=submit]").click()
    # No mail server in this test: the page says so rather than claim a mail went out.
    expect(page.locator(".flash")).to_contain_text("Reply added; no email was sent (mail is not set up")
    request_id = int(re.search(r"/staff/requests/(\d+)", page.url).group(1))
    with live_app.app_context():
        return db.session.get(Request, request_id).access_key


def test_staff_answers_a_request_and_sees_it_in_the_history(live_app, page, shot):
    staff_login(page, live_app.base_url, shot)
    shot("dashboard")
    answer_request(page, live_app, shot)
    newest = page.locator("ol.history > li").first
    expect(newest).to_contain_text(REPLY_TEXT)
    expect(newest).to_contain_text("public")
    expect(newest).to_contain_text("Alex Morgan")
    shot("replied")

    # A private note is kept apart from the public reply.
    page.get_by_label("Private note (staff only)").check()
    page.get_by_label("Message").fill("Root cause: expired certificate.")
    page.locator(".note-form button[type=submit]").click()
    expect(page.locator("ol.history > li").first).to_contain_text("private")
    expect(page.locator("ol.history > li.note.private").first).to_contain_text("expired certificate")

    # Close it; the change is a log line in the same history.
    page.get_by_role("button", name="Close request").click()
    expect(page.locator("ol.history > li.log").first).to_contain_text("Request closed")
    shot("closed")


def test_trash_asks_for_confirmation_without_javascript(live_app, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        staff_login(page, live_app.base_url)
        page.goto(live_app.base_url + "/staff/requests")
        page.get_by_role("link", name=SUBJECT).click()
        page.get_by_role("button", name="Move to trash").click()  # the confirm box is required: nothing is sent
        expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
        page.locator(".confirm-inline", has=page.get_by_role("button", name="Move to trash")) \
            .get_by_label("confirm").check()
        page.get_by_role("button", name="Move to trash").click()
        expect(page.locator(".flash")).to_contain_text("Moved to the trash")
        expect(page.locator("ol.history > li.log").first).to_contain_text("Moved to trash")
    finally:
        context.close()


def test_staff_workspace_pages_render(live_app, page, shot):
    """Every area an administrator reaches, with a screenshot of each for review."""
    staff_login(page, live_app.base_url)
    for path, heading, name in (("/staff/admin/settings", "Portal settings", "settings"),
                                ("/staff/admin/categories/1", "Technical Support", "category"),
                                ("/staff/kb/books/1", None, "kb-book"),
                                ("/staff/kb/pages/1", None, "kb-page"),
                                ("/staff/forums/topics/2", None, "forum-topic"),
                                ("/staff/forums/spam", "Spam queue", "spam-queue"),
                                ("/staff/profile", "Alex Morgan", "profile")):
        response = page.goto(live_app.base_url + path)
        assert response.status == 200, path
        if heading:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        shot(name)
