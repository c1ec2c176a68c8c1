"""Issue 19's round trip by mail, in a browser: a staff member follows a category on their profile and adds
the help desk's IMAP mailbox; a customer submits a request in that category; the staff member is mailed,
replies in the workspace; the customer gets the reply's text by mail and answers it by mail (into a real
Dovecot on loopback); the worker's poll turns the answer into a note the staff page shows, and the staff
member is mailed again."""
from playwright.sync_api import expect

from portal.extensions import db
from portal.inbound.poll import poll_due
from portal.requests.models import Request
from tests.browser.test_requests import HUMAN_PAUSE_MS, go_home_and_click
from tests.browser.test_staff import DEMO_EMAIL, staff_login
from tests.mail.conftest import PASSWORD, USER, customer_mail, dovecot  # noqa: F401  (the fixture)

QUESTION = "The dark theme forgets itself after every login."
REPLY = "Thanks: it is stored per browser for now. Does clearing cookies bring it back?"
ANSWER = "Yes, that was it: I clear cookies on exit."


def test_a_request_answered_both_ways_by_mail(live_app, browser, page, shot, smtp_server, dovecot):  # noqa: F811
    sink, port = smtp_server
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_REPLY_TO="help@portal.test")
    base = live_app.base_url
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        staff = staff_context.new_page()
        staff_login(staff, base)
        staff.goto(base + "/staff/profile")
        staff.get_by_role("group", name="Categories I follow").get_by_label("Feature Request").check()
        staff.get_by_role("button", name="Save notification choices").click()
        expect(staff.locator(".flash")).to_contain_text("notification choices are saved")
        staff.screenshot(path=str(shot("profile").parent / "mail-round-trip-staff-profile.png"), full_page=True)

        staff.goto(base + "/staff/admin/mailboxes/new")
        for field, value in (("name", "Support"), ("host", "127.0.0.1"), ("port", str(dovecot.port)),
                             ("username", USER), ("password", PASSWORD)):
            staff.locator(f"#{field}").fill(value)
        staff.get_by_label("Connection").select_option("none")
        staff.get_by_label("Category new mail lands in").select_option(label="Feature Request")
        staff.get_by_role("button", name="Save mailbox").click()
        expect(staff.locator("table.mailboxes")).to_contain_text("Support")
        staff.screenshot(path=str(shot("mailboxes").parent / "mail-round-trip-mailboxes.png"), full_page=True)

        go_home_and_click(page, base, "Submit a request")
        page.get_by_label("First name").fill("Noor")
        page.get_by_label("Email").fill("noor@example.com")
        page.get_by_label("Subject").fill("Dark theme")
        page.get_by_label("Category").select_option(label="Feature Request")
        page.get_by_label("How can we help?").fill(QUESTION)
        page.wait_for_timeout(HUMAN_PAUSE_MS)
        page.get_by_role("button", name="Submit request").click()
        expect(page.locator(".flash")).to_contain_text("Your access key is")
        [told] = [m for m in sink.messages if m["To"] == DEMO_EMAIL]
        assert QUESTION in told.get_content()

        staff.goto(base + "/staff/requests")
        staff.get_by_role("link", name="Dark theme").click()
        staff.get_by_label("Message").fill(REPLY)
        staff.locator(".note-form button[type=submit]").click()
        request_page = staff.url
        [reply] = [m for m in sink.messages if m["To"] == "noor@example.com" and "Reply to" in m["Subject"]]
        assert REPLY in reply.get_content()

        answer = customer_mail(sender="noor@example.com", subject=f"Re: {reply['Subject']}", to=reply["Reply-To"],
                               body=f"{ANSWER}\n\nOn Monday the help desk wrote:\n> {REPLY}")
        dovecot.deliver(answer)
        with live_app.app_context():
            assert poll_due(force=True) == ["mailbox Support: note"]
            assert db.session.scalar(db.select(db.func.count(Request.id)).where(
                Request.email == "noor@example.com")) == 1
        staff.goto(request_page)
        expect(staff.locator("ol.history")).to_contain_text(ANSWER)
        staff.screenshot(path=str(shot("answered").parent / "mail-round-trip-answer-on-request.png"),
                         full_page=True)
        answered = [m for m in sink.messages if m["To"] == DEMO_EMAIL and "customer answered" in m["Subject"]]
        assert len(answered) == 1 and ANSWER in answered[0].get_content()
    finally:
        staff_context.close()
