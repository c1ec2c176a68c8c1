"""The proof-of-work check in a real Chromium: the page's own script solves it and the form goes through;
a forged, a replayed and an expired solution are refused; without JavaScript the form explains itself.
Also an emailed request link, opened and answered in the browser."""
import re
import time

import pytest
from playwright.sync_api import expect

from portal import challenge, settings
from portal.extensions import db
from portal.requests import access_links
from portal.requests.models import Request

DIFFICULTY = 50000  # what a browser solves in a few hundredths of a second; still a real search
ANSWER = re.compile(r'name="challenge"\r\n\r\n([^\r]+)\r\n.*name="challenge_number"\r\n\r\n(\d+)\r\n', re.S)


@pytest.fixture
def guarded(live_app):
    """The live app with the check on, and no form timer (these tests send forms at once)."""
    with live_app.app_context():
        settings.set_value("proof_of_work", True)
        settings.set_value("proof_of_work_difficulty", DIFFICULTY)
        settings.set_value("form_min_seconds", 0)
        db.session.commit()
    return live_app


def fill_request(page, base: str, name: str) -> None:
    page.goto(base + "/requests/new")
    page.get_by_label("First name").fill(name)
    page.get_by_label("Email").fill(f"{name.lower()}@example.com")
    page.get_by_label("How can we help?").fill(f"{name} cannot print.")


def requests_from(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Request.id))
                                 .where(Request.email == f"{name.lower()}@example.com"))


def without_script(page) -> None:
    """The page's solver never runs: the test sets the answer fields itself."""
    page.route(re.compile(r".*/static/js/challenge\.js.*"), lambda route: route.abort())


def answer_with(page, token: str, number: str) -> None:
    page.evaluate("""([token, number]) => {
        document.querySelector('input[name="challenge"]').value = token;
        document.querySelector('input[name="challenge_number"]').value = number;
    }""", [token, number])


def test_the_browser_solves_the_check_and_a_replay_of_its_answer_is_refused(guarded, page, shot):
    base = guarded.base_url
    posted = []
    page.on("request", lambda request: posted.append(request.post_data or "") if request.method == "POST" else None)
    fill_request(page, base, "Maya")
    expect(page.locator("[data-challenge-status]")).to_contain_text("Checked")  # solved while she typed
    shot("solved")
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator(".flash")).to_contain_text("Your access key is")
    assert requests_from(guarded, "Maya") == 1
    token, number = ANSWER.search(posted[-1]).groups()
    with guarded.test_request_context():
        assert challenge._hash(token.split(":")[0], number) == token.split(":")[1]  # a real solution was sent

    # The same answer, put into a fresh form by hand, is refused: a challenge is accepted once.
    without_script(page)
    fill_request(page, base, "Mallory")
    answer_with(page, token, number)
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#challenge-errors")).to_contain_text("could not check that a person sent this form")
    expect(page.get_by_label("How can we help?")).to_have_value("Mallory cannot print.")  # the text is kept
    shot("replay-refused")
    assert requests_from(guarded, "Mallory") == 0


def test_a_form_sent_before_the_check_is_done_waits_for_it(guarded, page):
    with guarded.app_context():
        settings.set_value("proof_of_work_difficulty", 400000)
        db.session.commit()
    fill_request(page, guarded.base_url, "Quick")
    page.get_by_role("button", name="Submit request").click()  # likely before the search is over
    expect(page.locator(".flash")).to_contain_text("Your access key is")
    assert requests_from(guarded, "Quick") == 1


def test_a_forged_answer_is_refused(guarded, page, shot):
    without_script(page)
    fill_request(page, guarded.base_url, "Forger")
    token = page.locator('input[name="challenge"]').input_value()
    salt, target, signature = token.split(":")
    easy_salt = salt.rsplit(".", 1)[0] + ".1"  # a range of one number, signed with the old signature
    with guarded.test_request_context():
        easy = challenge._hash(easy_salt, 0)
    for forged, number in ((token, "123456789"), (f"{easy_salt}:{easy}:{signature}", "0")):
        answer_with(page, forged, number)
        page.get_by_role("button", name="Submit request").click()
        expect(page.locator("#challenge-errors")).to_contain_text("could not check that a person sent this form")
    shot("forged-refused")
    assert requests_from(guarded, "Forger") == 0


def test_an_expired_answer_is_refused_and_the_next_one_passes(guarded, page, monkeypatch):
    fill_request(page, guarded.base_url, "Slow")
    expect(page.locator("[data-challenge-status]")).to_contain_text("Checked")
    # The page stays open longer than form_max_age before it is sent.
    monkeypatch.setattr(challenge, "clock", lambda: time.time() + 1300)
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator("#challenge-errors")).to_contain_text("has expired")
    assert requests_from(guarded, "Slow") == 0
    # The form shown again carries a new challenge, which the script solves: sending again works.
    page.get_by_role("button", name="Submit request").click()
    expect(page.locator(".flash")).to_contain_text("Your access key is")
    assert requests_from(guarded, "Slow") == 1


def test_without_javascript_the_form_explains_why_it_cannot_be_sent(guarded, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        fill_request(page, guarded.base_url, "Noor")
        notice = page.locator("#challenge noscript p")  # (Playwright's text search skips <noscript>)
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("This form needs JavaScript")
        page.get_by_role("button", name="Submit request").click()
        expect(page.locator("#challenge-errors")).to_contain_text("Please turn JavaScript on")
        expect(page.get_by_label("How can we help?")).to_have_value("Noor cannot print.")
        assert requests_from(guarded, "Noor") == 0
    finally:
        context.close()


def test_an_emailed_link_opens_the_request_and_takes_an_update(live_app, page, shot):
    from portal.requests.services import RequestInput, create_request

    with live_app.test_request_context():
        req = create_request(RequestInput(note="The scanner jams.", email="lee@example.com", title="Scanner"),
                             notify_customer=False)
        db.session.commit()
        reply, read = (access_links.link_url(req, scope) for scope in (access_links.REPLY, access_links.READ))
        key = req.access_key
    page.goto(read)
    expect(page.locator("h1")).to_have_text("Scanner")
    expect(page.get_by_text("lets you read this request only").first).to_be_visible()
    expect(page.get_by_label("Your update")).to_have_count(0)
    assert key not in page.content()
    page.goto(reply)
    page.get_by_label("Your update").fill("It jams on page two.")
    page.get_by_role("button", name="Update request").click()  # CSRF on, as in production
    expect(page.locator(".flash")).to_contain_text("your update was added")
    expect(page.locator(".request-history article").first).to_contain_text("It jams on page two.")
    assert page.url == reply
    shot("updated-by-link")
