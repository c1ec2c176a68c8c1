"""Rows for tests, with sensible defaults.

Each function adds its row to the app's session (an app context must be active), flushes so the row has
its id, and returns it. Nothing here commits: commit (``db.session.commit()``) when the test needs what a
commit sets off, such as the search index or the caches. Accounts, requests, topics and posts are made
through the services, as the app makes them (no spam check, no mail), so they carry what the app expects
(hashed passwords, access keys, first posts); books, chapters, pages and forums are plain rows.
"""
from portal.extensions import db

PASSWORD = "correct horse"  # every staff member's, unless a test says otherwise
CUSTOMER_PASSWORD = "kims password"


def _saved(row):
    db.session.add(row)
    db.session.flush()
    return row


# --- people ---------------------------------------------------------------------------------------

def staff(email="agent@example.com", password=PASSWORD, role="agent", **names):
    """A staff member (``first_name``, ``last_name`` optional)."""
    from portal.accounts.services import create_staff

    return create_staff(email, password, role=role, **names)


def customer(email="kim@example.com", password=CUSTOMER_PASSWORD):
    """A customer with a portal password and a confirmed email (as staff set it through the API)."""
    from portal.accounts.services import set_customer_password

    return set_customer_password(email, password)


def api_token(owner, name="script"):
    """An API token of ``owner`` (a staff member): (token row, the secret to send)."""
    from portal.accounts.services import create_api_token

    return create_api_token(owner, name)


# --- requests -------------------------------------------------------------------------------------

def custom_field(name="Office", field_type="text", list_items=None, **columns):
    from portal.requests.models import CustomField

    field = CustomField(name=name, field_type=field_type, **columns)
    if list_items is not None:
        field.list_items = list_items
    return _saved(field)


def category(name="Billing", fields=None, **columns):
    """A category; with ``fields`` (custom fields, in order) it shows only those."""
    from portal.requests.models import Category, CategoryField

    row = _saved(Category(name=name, has_field_list=fields is not None, **columns))
    for position, field in enumerate(fields or ()):
        db.session.add(CategoryField(category_id=row.id, field_id=field.id, position=position))
    db.session.flush()
    return row


def request(note="My printer is on fire", email="customer@example.com", uploads=(), *, assigned_to_id=None,
            notify_customer=False, **fields):
    """A request opened like a customer's, without the spam check (``fields``: the rest of RequestInput:
    title, first_name, category_id...); ``notify_customer`` sends the auto-reply."""
    from portal.requests.services import RequestInput, create_request

    return create_request(RequestInput(note=note, email=email, **fields), uploads, check_spam=False,
                          notify_customer=notify_customer, assigned_to_id=assigned_to_id)


def request_row(title="Printer trouble", note="", email="jane@example.com", first_name="Jane", last_name="Doe",
                password="abcdef", **columns):
    """A request written as rows (no service: no access-key checks, no custom fields), with an initial note
    when ``note`` is given."""
    from portal.requests.models import Note, Request

    row = Request(title=title, email=email, first_name=first_name, last_name=last_name, password=password,
                  **columns)
    if note:
        row.notes.append(Note(body=note, is_initial=True))
    return _saved(row)


def note(req, body="A note.", *, public=True, **columns):
    """A note added to a request's history (``author_id``: the staff member's; -1 for the system)."""
    from portal.requests.models import Note

    return _saved(Note(request_id=req.id, body=body, is_public=public, **columns))


# --- knowledge base -------------------------------------------------------------------------------

def book(name="Product Manual", **columns):
    from portal.kb.models import Book

    return _saved(Book(name=name, **columns))


def chapter(book, name="Getting Started", **columns):
    from portal.kb.models import Chapter

    return _saved(Chapter(book=book, name=name, **columns))


def page(chapter, name="Clean Upgrade", body="<p>This is the HTML body of the page.</p>", tags=(), related=(),
         **columns):
    """A page; ``tags`` are names (existing tags are reused), ``related`` other pages."""
    from portal.kb.models import Page, Tag

    found = [db.session.scalar(db.select(Tag).where(Tag.name == name)) or Tag(name=name) for name in tags]
    row = Page(chapter=chapter, name=name, body=body, tags=found, **columns)
    row.related.extend(related)
    return _saved(row)


# --- forums ---------------------------------------------------------------------------------------

def forum(name="General", description="", **columns):
    from portal.forums.models import Forum

    return _saved(Forum(name=name, description=description, **columns))


def topic(forum, title="Hello", body="First post", name="Ann", *, spam=False, when=None, **columns):
    """A topic with its first post, written as rows (``spam``: the first post is held, the topic unseen;
    ``when``: the time of both, else now)."""
    from portal.forums.models import Post, Topic

    dates = {"posted_at": when, "last_post_at": when} if when else {}  # else now
    row = Topic(forum=forum, title=title, starter_name=name, post_count=0 if spam else 1, **dates, **columns)
    db.session.add(Post(topic=row, name=name, body=body, spam=spam, **({"posted_at": when} if when else {})))
    return _saved(row)


def post(topic, body="A reply", name="Bob", *, spam=False, **columns):
    """A reply written as a row (the topic's counters are left as they are)."""
    from portal.forums.models import Post

    return _saved(Post(topic=topic, name=name, body=body, spam=spam, **columns))


def topic_with_replies(forum, data, *replies):
    """A topic started and answered through the forum services: (topic, [posts]). ``data`` and ``replies``
    are PostInput."""
    from portal.forums.services import create_post, create_topic

    started, first = create_topic(forum, data)
    posts = [first] + [create_post(started, reply) for reply in replies]
    db.session.flush()
    return started, posts
