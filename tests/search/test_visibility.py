"""A customer never finds a private book, hidden page, hidden chapter, private forum or held spam post;
staff find them (spam aside). Every change of visibility reaches the index at commit."""
from portal.extensions import db
from portal.search.query import search_forums, search_kb, search_requests, suggest_pages


def ids(results):
    return sorted(hit.id for hit in results.hits)


def test_hidden_page_chapter_and_private_book_are_staff_only(content, staff):
    public_book, private_book = content.book("Guide"), content.book("Internal", private=True)
    shown, hidden_chapter = content.chapter(public_book), content.chapter(public_book, "Drafts", hidden=True)
    visible = content.page(shown, "Printer setup", "Install the printer driver")
    hidden_page = content.page(shown, "Printer secrets", "printer internals", hidden=True)
    in_hidden_chapter = content.page(hidden_chapter, "Printer draft", "printer draft")
    in_private_book = content.page(content.chapter(private_book), "Printer admin", "printer admin")

    assert ids(search_kb("printer")) == [visible.id]
    assert [hit.id for hit in suggest_pages("print")] == [visible.id]
    assert ids(search_kb("printer", staff=staff)) == sorted(
        [visible.id, hidden_page.id, in_hidden_chapter.id, in_private_book.id])


def test_changing_visibility_updates_the_index(content):
    book = content.book("Guide")
    chapter = content.chapter(book)
    page = content.page(chapter, "Printer setup", "Install the printer driver")
    assert ids(search_kb("printer")) == [page.id]

    page.hidden = True
    db.session.commit()
    assert ids(search_kb("printer")) == []
    page.hidden = False
    db.session.commit()
    assert ids(search_kb("printer")) == [page.id]

    chapter.hidden = True  # a chapter change re-indexes its pages
    db.session.commit()
    assert ids(search_kb("printer")) == []
    chapter.hidden = False
    db.session.commit()

    book.private = True  # so does a book change
    db.session.commit()
    assert ids(search_kb("printer")) == []
    book.private = False
    book.name = "Hardware handbook"
    db.session.commit()
    hit, = search_kb("printer").hits
    assert hit.book_name == "Hardware handbook"
    assert ids(search_kb("handbook")) == [page.id]


def test_moving_a_page_and_deleting_rows_remove_documents(content, staff):
    book = content.book("Guide")
    open_chapter = content.chapter(book)
    hidden_chapter = content.chapter(book, "Drafts", hidden=True)
    page = content.page(open_chapter, "Printer setup", "printer")
    page.chapter = hidden_chapter
    db.session.commit()
    assert ids(search_kb("printer")) == []
    assert search_kb("printer", staff=staff).hits[0].chapter_name == "Drafts"

    db.session.delete(page)
    db.session.commit()
    assert ids(search_kb("printer", staff=staff)) == []

    other = content.page(open_chapter, "Scanner setup", "scanner")
    db.session.delete(book)  # cascades to chapters and pages
    db.session.commit()
    assert db.session.get(type(other), other.id) is None
    assert ids(search_kb("scanner", staff=staff)) == []


def test_private_forum_and_spam_posts(content, staff):
    public, private = content.forum("General"), content.forum("Staff room", private=True)
    topic = content.topic(public, "Printer jam", "the printer jams")
    content.topic(private, "Printer budget", "printer budget")
    held = content.topic(public, "Cheap printer pills", "buy printer pills", spam=True)
    spam_reply = content.post(topic, "printer casino", spam=True)

    assert ids(search_forums("printer")) == [topic.id]
    assert len(search_forums("printer", staff=staff).hits) == 2
    assert ids(search_forums("casino")) == [] and ids(search_forums("casino", staff=staff)) == []

    # A moderator approves the held posts: they appear; marking spam again removes them.
    first = held.posts.first()
    first.spam = False
    spam_reply.spam = False
    db.session.commit()
    assert ids(search_forums("printer")) == sorted([topic.id, held.id])
    assert ids(search_forums("casino")) == [topic.id]
    first.spam = True
    db.session.commit()
    assert ids(search_forums("printer")) == [topic.id]


def test_moving_renaming_and_deleting_topics_and_forums(content, staff):
    public, private = content.forum("General"), content.forum("Staff room", private=True)
    topic = content.topic(public, "Printer jam", "the printer jams")
    content.post(topic, "try turning it off")
    topic.forum = private
    db.session.commit()
    assert ids(search_forums("printer")) == [] and ids(search_forums("turning")) == []
    topic.forum = public
    topic.title = "Scanner jam"
    db.session.commit()
    assert ids(search_forums("scanner")) == [topic.id]
    assert search_forums("turning").hits[0].title == "Scanner jam"

    private.private = False
    other = content.topic(private, "Scanner budget", "money")
    public.name = "Hardware"
    db.session.commit()
    assert {hit.forum_name for hit in search_forums("scanner").hits} == {"Hardware", "Staff room"}

    db.session.delete(topic)
    db.session.commit()
    assert ids(search_forums("scanner", staff=staff)) == [other.id]
    db.session.delete(private)
    db.session.commit()
    assert ids(search_forums("scanner", staff=staff)) == []


def test_requests_are_for_staff_only_and_trash_removes_them(content, staff):
    from portal.requests.models import Note

    req = content.request("Invoice missing", "Where is my invoice?")
    assert search_requests("invoice", staff=None).hits == []
    hit, = search_requests("invoice", staff=staff).hits
    assert (hit.id, hit.title, hit.desc) == (req.id, "Invoice missing", "Jane Doe")
    assert ids(search_requests("jane@example.com", staff=staff)) == [req.id]

    req.notes.append(Note(body="<p>Refund <b>approved</b></p>", is_html=True, is_public=False))
    db.session.commit()
    assert ids(search_requests("refund", staff=staff)) == [req.id]
    req.trashed = True
    db.session.commit()
    assert ids(search_requests("invoice", staff=staff)) == []


def test_tags_are_searchable_and_renaming_or_deleting_a_tag_updates_pages(content):
    from portal.kb.models import Tag

    chapter = content.chapter(content.book())
    page = content.page(chapter, "Setup", "plug it in", tags=["wireless"])
    assert ids(search_kb("wireless")) == [page.id]
    tag = db.session.scalar(db.select(Tag).where(Tag.name == "wireless"))
    tag.name = "bluetooth"
    db.session.commit()
    assert ids(search_kb("wireless")) == [] and ids(search_kb("bluetooth")) == [page.id]
    db.session.delete(tag)
    db.session.commit()
    assert ids(search_kb("bluetooth")) == []


def test_deleting_a_reply_removes_its_words_from_the_topic(content):
    topic = content.topic(content.forum(), "Printer jam", "the printer jams")
    reply = content.post(topic, "try the blue lever")
    assert ids(search_forums("lever")) == [topic.id]
    db.session.delete(reply)
    db.session.commit()
    assert ids(search_forums("lever")) == [] and ids(search_forums("printer")) == [topic.id]


def test_moving_a_post_to_another_topic_reindexes_both(content):
    forum = content.forum()
    first = content.topic(forum, "Printer jam", "the printer jams")
    second = content.topic(forum, "Scanner", "the scanner hums")
    reply = content.post(first, "try the blue lever")
    db.session.commit()  # expire everything, as between two requests
    reply.topic_id = second.id
    db.session.commit()
    assert ids(search_forums("lever")) == [second.id]
