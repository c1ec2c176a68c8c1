"""Staff merge two requests and log time in a real browser, and open a request for a customer who phoned."""
import re

from playwright.sync_api import expect

from portal.extensions import db
from portal.requests.models import Request, RequestMerge

from .test_staff import staff_login


def test_staff_log_time_and_merge_two_requests(live_app, page, shot):
    with live_app.app_context():
        first, second = db.session.execute(db.select(Request.id).order_by(Request.id).limit(2)).scalars()
    staff_login(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/staff/requests/{second}")
    page.get_by_label("Time spent").fill("1:30")
    page.get_by_label("What was done").fill("Called the customer back")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator(".flash")).to_contain_text("Time logged.")
    expect(page.locator("#time-log")).to_contain_text("1:30 in all")
    shot("time-logged")
    page.goto(f"{live_app.base_url}/staff/requests/{first}")
    page.get_by_label("Merge this request into request number").fill(str(second))
    page.get_by_role("button", name="Merge…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Merge request {first} into request {second}")
    shot("merge-confirm")
    page.get_by_label("Yes, I am sure").check()
    page.get_by_role("button", name="Merge").click()
    expect(page).to_have_url(re.compile(rf"/staff/requests/{second}$"))
    expect(page.locator(".flash")).to_contain_text(f"Request {first} merged into this request.")
    expect(page.locator("ol.history")).to_contain_text(f"from request {first}")
    shot("merged")
    with live_app.app_context():
        assert db.session.get(Request, first) is None and db.session.get(RequestMerge, first).request_id == second
    page.goto(f"{live_app.base_url}/staff/")
    expect(page.locator(".time-figure")).to_contain_text("1:30")


def test_staff_open_a_request_for_a_caller(live_app, page, shot):
    staff_login(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/staff/requests/new")
    page.get_by_label("How the customer got in touch").select_option("2")
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Phone").fill("555 0100")
    page.get_by_label("What the customer needs").fill("The printer on floor 2 jams.")
    shot("new-request")
    page.get_by_role("button", name="Open request").click()
    expect(page.locator(".flash")).to_contain_text("opened for Kim")
    expect(page.locator("ol.history")).to_contain_text("The printer on floor 2 jams.")
    shot("opened")
