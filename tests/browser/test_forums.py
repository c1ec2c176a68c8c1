"""A visitor goes from the home page to a forum, starts a topic and replies to it."""
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}


def test_start_a_topic_and_reply(live_app, page, shot):
    page.goto(live_app.base_url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forums").click()
    expect(page).to_have_title("Forums · Portico Help Desk")  # waits for the navigation the click started
    shot("forums")
    page.get_by_role("link", name="Product Questions").click()
    expect(page.get_by_role("link", name="How do I share a project with a client?")).to_be_visible()
    shot("forum")

    page.get_by_role("textbox", name="Topic", exact=True).fill("Can I export to PDF?")
    page.get_by_label("Message").fill("I need a PDF copy of a project for an audit.\nIs that possible?")
    page.get_by_label("Your name").fill("Dana Whitfield")
    page.get_by_label("Your email").fill("dana@example.com")
    page.get_by_label("Subscribe to replies via email").check()
    page.wait_for_timeout(2100)  # a person takes a moment; a bot that posts at once is refused
    page.get_by_role("button", name="Post topic").click()
    page.wait_for_url("**/forums/topics/*-can-i-export-to-pdf")
    expect(page.get_by_text("Your topic has been posted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Can I export to PDF?")).to_be_visible()
    assert "dana@example.com" not in page.content()
    shot("topic-started")

    page.get_by_label("Message").fill("Yes: open the project and choose File > Export > PDF.")
    page.get_by_label("Your name").fill("Sam Lee")
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url("**#post-*")
    expect(page.get_by_text("Your reply has been posted.")).to_be_visible()
    posts = page.locator(".post")
    assert posts.count() == 2
    assert "File > Export > PDF" in posts.nth(1).inner_text()
    shot("replied")

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Product Questions").click()
    row = page.locator("tr", has_text="Can I export to PDF?")
    assert row.locator("td.num").inner_text() == "2"

    page.set_viewport_size(PHONE)
    row.get_by_role("link").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot("topic-phone")


def test_a_form_with_mistakes_explains_them(live_app, page, shot):
    page.goto(live_app.base_url + "/forums/2")
    page.get_by_label("Message").fill("Just a message")
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Post topic").click()
    summary = page.get_by_role("alert")
    assert "Please provide a topic" in summary.inner_text() and "Please provide a name" in summary.inner_text()
    assert page.get_by_label("Message").input_value() == "Just a message"
    assert page.get_by_role("textbox", name="Topic", exact=True).get_attribute("aria-invalid") == "true"
    shot("errors")


def test_spam_is_held_for_moderation(live_app, page, shot):
    page.goto(live_app.base_url + "/forums/topics/3")
    links = " ".join(f"http://cheap{n}.example" for n in range(4))
    page.get_by_label("Message").fill(f"Great deals {links}")
    page.get_by_label("Your name").fill("Deal Bot")
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your post is held for moderation")).to_be_visible()
    assert "cheap0" not in page.content()
    shot("held")
