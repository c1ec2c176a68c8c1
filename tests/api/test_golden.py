"""Golden XML for the public docs' sample responses (shared/seeds/helpspot-public-methods.txt), rebuilt
from matching rows, so the element names, order and nesting cannot drift.

Where the golden file differs from the sample it is on purpose: the UTF-8 declaration, tab indentation
and entity escaping of ``&``/``<`` in text (reference 2.3; the docs print them raw); lists ordered as the
reference says (categories by name, fields by iOrder then name) and tags and related pages by name (the
KB model's order); request.get gives unix times and raw ids as the reference says (the sample's text
values are what ``fRawValues=0`` of private.request.get gives), and has no reporting tags (Portico has none).
Run with UPDATE_GOLDEN=1 to rewrite the files after a deliberate change, then review the diff.
"""
import os
from pathlib import Path

import pytest

from portal.dates import from_unix
from portal.extensions import db
from portal.search.query import Hit, Results

GOLDEN = Path(__file__).parent / "golden"


def check(response, name):
    assert response.status_code == 200, response.data
    text = response.data.decode()
    path = GOLDEN / f"{name}.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text == path.read_text().rstrip("\n")


def continue_after(app, table, last_id):
    """PostgreSQL sequences do not move for explicit ids (SQLite takes the highest id + 1 by itself)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last_id})"))
            db.session.commit()


def add(app, *objects):
    with app.app_context():
        for obj in objects:
            db.session.add(obj)
            db.session.flush()
        db.session.commit()


def test_customer_get_requests(api, app, build):
    from portal.requests.models import Category, Note, Request

    build.customer("tsmith@companyco.com", "nusoxdln")
    add(app, Category(id=2, name="Account Inquiries"),
        Request(id=12489, opened_via=2, category_id=2, opened_at=from_unix(1212776831), password="jiicxp",
                title="RE: Information on Your Request", first_name="Tim", last_name="Smith",
                email="tsmith@companyco.com"),
        Note(request_id=12489, body="I am looking for information on my account.", is_initial=True))
    check(api.call("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln"),
          "customer.getRequests")


def test_request_create(api, monkeypatch, app):
    from portal.requests import services
    from portal.requests.models import Request

    add(app, Request(id=12743, password="x"))
    continue_after(app, "request", 12743)
    monkeypatch.setattr(services, "new_password", lambda: "uaxith")
    check(api.call("request.create", via="multipart", tNote="This is the request.", sUserId="12345"),
          "request.create")


def test_request_update(api, app):
    from portal.requests.models import Note, Request

    add(app, Request(id=12745, password="itetxb", user_id="12345"), Note(request_id=12745, body="x"))
    check(api.call("request.update", via="multipart", accesskey="12745itetxb", tNote="Update the request."),
          "request.update")


def test_request_get_categories(api, app):
    from portal.requests.models import Category, CategoryField, CustomField

    add(app, *[CustomField(id=i, name=f"Field {i}") for i in (2, 5, 7, 9, 11)],
        Category(id=3, name="Usage Question", has_field_list=True),
        Category(id=1, name="Report a Bug", has_field_list=True),
        *[CategoryField(category_id=3, field_id=f, position=n) for n, f in enumerate((7, 5, 11, 9, 2))],
        CategoryField(category_id=1, field_id=2))
    check(api.call("request.getCategories"), "request.getCategories")


def test_request_get_custom_fields(api, app):
    from portal.requests.models import CustomField

    database = CustomField(id=2, name="Database", field_type="select", decimal_places=0)
    database.list_items = ["MySQL", "MS SQL Server", "PostgreSQL"]
    add(app, CustomField(id=6, name="Office", text_size=30, decimal_places=0, always_visible=True), database)
    check(api.call("request.getCustomFields"), "request.getCustomFields")


def test_request_get(api, app):
    from portal.accounts.models import Staff
    from portal.requests.models import Attachment, Category, Note, Request

    add(app, Staff(id=1, email="ian@example.com", first_name="Ian", last_name="Landsman", password_hash="x"),
        Category(id=4, name="Bugs"),
        Request(id=12745, opened_via=6, assigned_to_id=1, category_id=4, opened_at=from_unix(1190663040),
                password="itetxb", user_id="12345", last_reply_by=1),
        Note(id=1375, request_id=12745, body="This is the request.", is_initial=True,
             created_at=from_unix(1190663040)),
        Note(id=1376, request_id=12745, body="Plain text update to the request.", created_at=from_unix(1190664180)),
        Note(id=1377, request_id=12745, log='Category changed from "" to "Bugs"', is_public=False, author_id=1,
             created_at=from_unix(1190718000)),
        Note(id=1378, request_id=12745, body="<p>An HTML note example</p>", is_html=True, author_id=1,
             created_at=from_unix(1190718000)),
        Attachment(id=60, note_id=1378, filename="Invoice.pdf", mime_type="application/pdf", sha256="0" * 64))
    check(api.call("request.get", accesskey="12745itetxb"), "request.get")


@pytest.fixture
def beta(app):
    from portal.forums.models import Forum, Post, Topic

    add(app, Forum(id=1, name="Product Beta", description="Discuss questions, bugs, ideas and more"),
        Topic(id=42, forum_id=1, title="Bug in the installer", starter_name="Tiny Jones", post_count=2,
              posted_at=from_unix(1190080694), last_post_at=from_unix(1190080694)),
        Topic(id=43, forum_id=1, title="How do I get started with installation", starter_name="Bob Smith",
              post_count=2, posted_at=from_unix(1190081243), last_post_at=from_unix(1190081249)),
        Post(id=171, topic_id=43, name="Bob Smith", body="This is my post.", posted_at=from_unix(1190081243)),
        Post(id=172, topic_id=43, name="Jen Tandy", body="Another post in reply.",
             posted_at=from_unix(1190081249)))


def test_forums(api, beta):
    check(api.call("forums.list"), "forums.list")
    check(api.call("forums.get", xForumId=1), "forums.get")
    check(api.call("forums.getTopics", xForumId=1), "forums.getTopics")
    check(api.call("forums.getPosts", xTopicId=43), "forums.getPosts")


def test_forums_create(api, app, beta):
    from portal.forums.models import Post

    add(app, Post(id=173, topic_id=42, name="x", body="x", spam=True))
    continue_after(app, "topic", 43)
    continue_after(app, "post", 173)
    check(api.call("forums.createPost", via="multipart", xTopicId=43, tPost="Reply to a post", sName="Bob Jones"),
          "forums.createPost")
    check(api.call("forums.createTopic", via="multipart", xForumId=1, sTopic="Help with things",
                   tPost="Initial post", sName="Bob Jones"), "forums.createTopic")


def test_forums_search(api, monkeypatch):
    from portal.api.methods import forums

    hits = [Hit("topic", 22, "suggestion for forums", "It would be great if the forums included a profile page.",
                "", forum_id=1, forum_name="Product Beta", posted_at=from_unix(1127936511)),
            Hit("topic", 13, "Update to the installer", "The installer has been updated to 3.4, please download "
                "and try it.", "", forum_id=1, forum_name="Product Beta", posted_at=from_unix(1126815203))]
    monkeypatch.setattr(forums, "search_forums", lambda q, **kw: Results(hits, 2, query=q))
    check(api.call("forums.search", q="installation"), "forums.search")


def test_kb_search(api, monkeypatch):
    from portal.api.methods import kb

    hits = [Hit("page", 16, "Installing the product", "Page about installation", "", book_name="Product Manual"),
            Hit("page", 8, "Installing on Linux", "How to install on Linux", "", book_name="Product Manual")]
    monkeypatch.setattr(kb, "search_kb", lambda q, **kw: Results(hits, 2, query=q))
    check(api.call("kb.search", q="installation"), "kb.search")


def test_kb_list_and_get(api, app):
    from portal.kb.models import Book

    add(app, Book(id=1, name="HelpSpot Manual",
                  description="Everything you need to install, administer, and use HelpSpot."))
    check(api.call("kb.list"), "kb.list")
    with app.app_context():
        book = db.session.get(Book, 1)
        book.name, book.description = "Product Manual", "Everything you need to install, administer, and use our product."
        db.session.commit()
    check(api.call("kb.get", xBook=1), "kb.get")


@pytest.fixture
def manual(app):
    from portal.kb.models import Book, Chapter, Page, Tag

    add(app, Book(id=1, name="Admin Manual"), Book(id=6, name="Product Manual"),
        Chapter(id=10, book_id=1, name="Setup"), Chapter(id=11, book_id=1, name="Installation"),
        Chapter(id=2, book_id=6, name="Getting Started", position=1),
        Chapter(id=3, book_id=6, name="Installation", position=2),
        Page(id=215, chapter_id=10, name="User Configuration"),
        Page(id=102, chapter_id=11, name="Installing on SQL Server"),
        Page(id=5, chapter_id=2, name="Getting your help desk up and running", position=1, highlight=True),
        Page(id=2, chapter_id=3, name="Requirements", position=1),
        Page(id=3, chapter_id=3, name="Installing the Product", position=3, highlight=True),
        Page(id=4, chapter_id=3, name="Creating the Microsoft SQL Server Full Text Index", position=4),
        Page(id=14, chapter_id=3, name="Upgrading", position=5, highlight=True),
        Page(id=16, chapter_id=3, name="Clean Upgrade", position=6,
             body="<p>This is the HTML body of the page.</p>"),
        *[Tag(id=n, name=name) for n, name in enumerate(("Pricing", "Pre-sales", "Application", "Service"), 1)])
    with app.app_context():
        tags = db.session.execute(db.select(Tag).order_by(Tag.id)).scalars().all()
        pages = {page.id: page for page in db.session.execute(db.select(Page)).scalars()}
        pages[5].tags.extend(tags)
        pages[2].tags.extend(tags)
        pages[3].tags.append(tags[0])
        pages[2].related.extend([pages[215], pages[102]])
        db.session.commit()


def test_kb_toc(api, manual):
    check(api.call("kb.getBookTOC", xBook=6), "kb.getBookTOC")


def test_kb_page(api, app, manual):
    from portal.kb.models import Page, Tag

    with app.app_context():
        pages = {page.id: page for page in db.session.execute(db.select(Page)).scalars()}
        pages[16].tags.extend(db.session.execute(db.select(Tag)).scalars().all())
        pages[16].related.extend([pages[215], pages[102]])
        db.session.commit()
    check(api.call("kb.getPage", xPage=16), "kb.getPage")


def test_kb_votes_on_a_missing_page(api):
    check(api.call("kb.voteHelpful", xPage=125), "kb.voteHelpful")
    check(api.call("kb.voteNotHelpful", xPage=125), "kb.voteNotHelpful")


def test_util_get_field_labels(api):
    check(api.call("util.getFieldLabels"), "util.getFieldLabels")
