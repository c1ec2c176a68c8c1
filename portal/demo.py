"""Demo content: a small but realistic help desk, loaded by ``flask demo-data`` and ``make run``."""
from datetime import timedelta

from . import settings
from .accounts.models import Staff
from .accounts.services import create_staff
from .dates import utcnow
from .extensions import db
from .forums.models import Forum, KnownUser
from .forums.services import PostInput, create_post, create_topic
from .kb.models import Book, Chapter, Page, Tag
from .requests.models import VIA_EMAIL, VIA_WEB_FORM, Category, CategoryField, CustomField
from .requests.services import RequestInput, create_request
from .requests.workflow import add_staff_note, update_request

DEMO_STAFF_EMAIL = "admin@portico.test"
DEMO_PASSWORD = "portico-demo"

# Page: (title, body, tag names, highlighted); chapter: (name, appendix, pages); book name: (description, chapters).
DemoPage = tuple[str, str, list[str], bool]
PAGES: dict[str, tuple[str, list[tuple[str, bool, list[DemoPage]]]]] = {
    "User Guide": ("Everything you need to get going with Acme Cloud, from your first login to advanced tips.", [
        ("Getting Started", False, [
            ("Creating your account", "<p>Go to the sign-up page and enter your work email. We send a "
             "confirmation link that is valid for 24 hours.</p><ol><li>Open the link.</li><li>Choose a "
             "password of at least 8 characters.</li><li>Pick your time zone.</li></ol>", ["account", "setup"], True),
            ("Installing the desktop app", "<p>The desktop app runs on Windows 10 or later, macOS 12 or later "
             "and most Linux distributions.</p><h2>Requirements</h2><ul><li>4 GB of memory</li><li>500 MB of "
             "disk space</li></ul><p>Download the installer from your account page and run it.</p>",
             ["installation", "desktop"], True),
            ("Your first project", "<p>Projects hold your files and tasks. Click <strong>New project</strong>, "
             "give it a name and invite your team.</p>", ["projects"], False),
        ]),
        ("Managing Your Account", False, [
            ("Changing your password", "<p>Open <em>Settings &gt; Security</em> and choose <strong>Change "
             "password</strong>. You will be logged out of other devices.</p>", ["account", "security"], False),
            ("Updating billing details", "<p>Invoices are issued on the first day of each month. To change "
             "your card, open <em>Billing</em> and click <strong>Update payment method</strong>.</p>",
             ["billing"], False),
        ]),
        ("Troubleshooting", False, [
            ("The app will not start", "<p>First restart your computer. If the app still does not start, "
             "remove the cache folder and reinstall.</p><pre><code>rm -rf ~/.acme/cache</code></pre>",
             ["desktop", "errors"], False),
            ("Sync is slow", "<p>Large files sync in the background. Check your connection and pause other "
             "uploads. Sync resumes automatically after a network error.</p>", ["sync", "performance"], False),
        ]),
        ("Glossary", True, [
            ("Terms used in this guide", "<dl><dt>Project</dt><dd>A shared space for files and tasks.</dd>"
             "<dt>Workspace</dt><dd>All projects of one organisation.</dd></dl>", [], False),
        ]),
    ]),
    "Administrator Manual": ("Install, configure and run Acme Cloud for your organisation.", [
        ("Installation", False, [
            ("Server requirements", "<p>Acme Server needs PostgreSQL 13 or later and 2 CPU cores.</p>",
             ["installation", "server"], False),
            ("Upgrading", "<p>Back up your database, stop the service, install the new package and run the "
             "migration command.</p>", ["installation", "upgrade"], True),
        ]),
        ("Configuration", False, [
            ("Single sign-on", "<p>Acme supports SAML 2.0 and OpenID Connect. Enter your identity provider's "
             "metadata URL under <em>Admin &gt; Authentication</em>.</p>", ["security", "sso"], False),
        ]),
    ]),
}

# Forum: (name, description, private, topics); topic: (title, starter, body, replies); reply: (poster, text).
DemoTopic = tuple[str, str, str, list[tuple[str, str]]]
FORUMS: list[tuple[str, str, bool, list[DemoTopic]]] = [
    ("Announcements", "News about releases and maintenance windows", False, [
        ("Version 4.0 is out", "Acme Team", "Version 4.0 brings faster sync and a new dark theme. "
         "Update from your account page.", [("Priya Shah", "Dark theme looks great, thanks!")]),
    ]),
    ("Product Questions", "Ask the community how to get things done", False, [
        ("How do I share a project with a client?", "Marco Rossi",
         "I want a client to see one project but not the rest of our workspace. Is that possible?",
         [("Alex Morgan", "Yes: invite them as a guest from the project's Members tab. Guests only see "
           "projects they are invited to."), ("Marco Rossi", "Perfect, that worked.")]),
        ("Installation fails on Ubuntu 24.04", "Jin Park",
         "The installer stops with a missing library error on Ubuntu 24.04.",
         [("Sam Lee", "Install libfuse2 first: sudo apt install libfuse2. We will bundle it in the next release.")]),
    ]),
    ("Feature Ideas", "Suggest improvements and vote on ideas", False, [
        ("Offline mode for the mobile app", "Fatima Noor",
         "It would be great to read files on a plane without a connection.", []),
    ]),
]


def _staff(progress) -> dict[str, Staff]:
    people = {}
    for email, role, first, last in ((DEMO_STAFF_EMAIL, "administrator", "Alex", "Morgan"),
                                     ("sam@portico.test", "agent", "Sam", "Lee"),
                                     ("mod@portico.test", "moderator", "Robin", "Diaz")):
        people[role] = create_staff(email, DEMO_PASSWORD, role=role, first_name=first, last_name=last)
    progress(f"  staff: {len(people)} accounts")
    return people


def _fields_and_categories(admin, progress) -> dict[str, Category]:
    version = CustomField(name="Product version", field_type="select", public=True, position=1)
    version.list_items = ["3.2", "4.0", "4.1"]
    system = CustomField(name="Operating system", field_type="select", public=True, position=2, required=True)
    system.list_items = ["Windows", "macOS", "Linux", "iOS", "Android"]
    order = CustomField(name="Order number", field_type="numtext", public=True, position=3, required=True)
    account = CustomField(name="Account ID", field_type="regex", public=True, always_visible=False, position=4,
                          regex=r"[A-Z]{2}\d{4}", text_size=6)
    internal = CustomField(name="Internal priority score", field_type="numtext", public=False, position=5)
    db.session.add_all([version, system, order, account, internal])
    db.session.flush()
    categories = {}
    for name, fields, public in (("Technical Support", [version, system], True), ("Billing", [order, account], True),
                                 ("Account Access", [account], True), ("Feature Request", [], True),
                                 ("Internal Escalation", [internal], False)):
        category = Category(name=name, public_submit=public, has_field_list=bool(fields),
                            default_staff_id=admin.id if name == "Billing" else None)
        category.field_links = [CategoryField(field=f, position=i) for i, f in enumerate(fields)]
        db.session.add(category)
        categories[name] = category
    db.session.flush()
    progress(f"  categories: {len(categories)}, custom fields: 5")
    return categories


def _requests(categories, staff, progress) -> None:
    tech, billing = categories["Technical Support"], categories["Billing"]
    samples = [
        (RequestInput(first_name="Tim", last_name="Smith", email="tsmith@example.com", title="App crashes on start",
                      category_id=tech.id, custom={tech.fields[0].id: "4.0", tech.fields[1].id: "Windows"},
                      note="Since this morning the desktop app closes right after the splash screen."),
         "Thanks Tim. Could you remove the cache folder as described in our guide and try again?", False),
        (RequestInput(first_name="Ana", last_name="Lopez", email="ana@example.org", title="Invoice shows wrong VAT",
                      category_id=billing.id, custom={billing.fields[0].id: "10452"},
                      note="Our March invoice charges 21% VAT but we are VAT-exempt."),
         "Hi Ana, I have corrected the invoice; the new one is on your billing page.", True),
        (RequestInput(first_name="Ken", email="ken@example.net", title="Cannot reset password",
                      category_id=categories["Account Access"].id, note="The reset email never arrives.",
                      opened_via=VIA_EMAIL),
         "The reset mail was held by your spam filter; I have sent a new link.", False),
        (RequestInput(first_name="Lea", last_name="Brun", email="lea@example.com", urgent=True,
                      title="Sync stopped for the whole team", category_id=tech.id,
                      custom={tech.fields[1].id: "macOS"}, note="None of our 12 users can sync since 9:00."),
         None, False),
    ]
    for data, reply, close in samples:
        data.opened_via = data.opened_via or VIA_WEB_FORM
        req = create_request(data, check_spam=False, notify_customer=False)
        opened = utcnow() - timedelta(days=3)
        req.opened_at = req.initial_note.created_at = opened
        if reply:
            add_staff_note(req, staff["agent"], reply, public=True, notify_customer=False)
            add_staff_note(req, staff["agent"], "Checked the logs before replying.", public=False)
        if close:
            update_request(req, staff["agent"], status_id=3)
        for hours, note in enumerate(req.notes[1:], start=2):  # the answers came a few hours later
            note.created_at = opened + timedelta(hours=hours)
        req.updated_at = max(note.created_at for note in req.notes)
    progress(f"  requests: {len(samples)} with replies")


def _books(admin, progress) -> None:
    tags: dict[str, Tag] = {}
    pages: dict[str, Page] = {}
    for position, (book_name, (description, chapters)) in enumerate(PAGES.items()):
        book = Book(name=book_name, description=description, position=position)
        db.session.add(book)
        for c_pos, (chapter_name, appendix, page_rows) in enumerate(chapters):
            chapter = Chapter(book=book, name=chapter_name, appendix=appendix, position=c_pos)
            db.session.add(chapter)  # SQLAlchemy 2 does not cascade through backrefs
            for p_pos, (title, body, tag_names, highlight) in enumerate(page_rows):
                page = Page(chapter=chapter, name=title, body=body, position=p_pos, highlight=highlight,
                            created_by_id=admin.id, updated_by_id=admin.id, helpful=(7 * (p_pos + 1)) % 11)
                db.session.add(page)
                page.tags = [tags[name] if name in tags else tags.setdefault(name, Tag(name=name))
                             for name in tag_names]
                pages[title] = page
    db.session.add(Book(name="Internal Procedures", description="Staff only", private=True, position=9,
                        chapters=[Chapter(name="Escalations", pages=[
                            Page(name="Who to call at night", body="<p>On-call rota.</p>")])]))
    pages["The app will not start"].related = [pages["Installing the desktop app"], pages["Sync is slow"]]
    pages["Installing the desktop app"].related = [pages["Server requirements"]]
    pages["Changing your password"].related = [pages["Single sign-on"]]
    db.session.flush()
    progress(f"  knowledge books: 3 ({len(pages)} public pages, {len(tags)} tags)")


def _forums(staff, progress) -> None:
    count = 0
    for position, (name, description, private, topics) in enumerate(FORUMS):
        forum = Forum(name=name, description=description, private=private, position=position)
        db.session.add(forum)
        db.session.flush()
        for title, starter, body, replies in topics:
            topic, _ = create_topic(forum, PostInput(title=title, name=starter, body=body, ip="192.0.2.10"))
            count += 1
            for poster, text in replies:
                by_staff = staff["administrator"] if poster == "Alex Morgan" else (
                    staff["agent"] if poster == "Sam Lee" else None)
                create_post(topic, PostInput(name=poster, body=text, ip="192.0.2.11"), staff=by_staff)
                count += 1
    db.session.add(KnownUser(name="Sam Lee", ip="192.0.2.11", label="Help Desk Team Member"))
    db.session.flush()
    progress(f"  forums: {len(FORUMS)} with {count} posts")


def load_demo(progress=print) -> bool:
    """Create the demo content unless it is already there. Returns whether anything was created."""
    if db.session.execute(db.select(Staff.id).where(Staff.email == DEMO_STAFF_EMAIL)).first():
        return False
    progress("Loading demo content...")
    staff = _staff(progress)
    categories = _fields_and_categories(staff["administrator"], progress)
    _requests(categories, staff, progress)
    _books(staff["administrator"], progress)
    _forums(staff, progress)
    settings.set_value("public_api", True)
    progress("  public API: enabled")
    return True
