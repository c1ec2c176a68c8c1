"""Knowledge books: visibility, table of contents numbering, neighbours, tags and votes."""
import pytest

from portal.errors import Forbidden, NotFound
from portal.extensions import db
from portal.kb import services
from portal.kb.models import Book, Chapter, Page, Tag


@pytest.fixture
def library(ctx):
    guide = Book(name="Guide", position=1)
    secret = Book(name="Secret", private=True)
    intro = Chapter(book=guide, name="Intro", position=1)
    setup = Chapter(book=guide, name="Setup", position=2)
    glossary = Chapter(book=guide, name="Glossary", appendix=True, position=0)
    hidden_chapter = Chapter(book=guide, name="Drafts", hidden=True, position=3)
    tag = Tag(name="install")
    pages = {
        "welcome": Page(chapter=intro, name="Welcome", position=1, highlight=True, helpful=3),
        "hidden": Page(chapter=intro, name="Hidden", position=2, hidden=True),
        "start": Page(chapter=intro, name="Start", position=3, tags=[tag]),
        "install": Page(chapter=setup, name="Install", position=1, tags=[tag], helpful=9),
        "terms": Page(chapter=glossary, name="Terms", position=1),
        "draft": Page(chapter=hidden_chapter, name="Draft", tags=[tag]),
        "private": Page(chapter=Chapter(book=secret, name="Ops"), name="Night shift", tags=[tag], highlight=True),
    }
    db.session.add_all([guide, secret, *pages.values()])
    db.session.commit()
    return {"guide": guide, "secret": secret, "tag": tag, **pages}


def test_toc_numbers_chapters_and_pages_and_puts_appendices_last(library):
    toc = services.table_of_contents(library["guide"])
    assert [c.label for c in toc] == ["1. Intro", "2. Setup", " Glossary"]
    assert [(p.number, p.page.name) for p in toc[0].pages] == [("1.1", "Welcome"), ("1.2", "Start")]
    assert [(p.number, p.page.name) for p in toc[2].pages] == [("1", "Terms")]
    staff_toc = services.table_of_contents(library["guide"], include_hidden=True)
    assert "Drafts" in [c.chapter.name for c in staff_toc]


def test_private_and_hidden_content_is_refused_to_customers(library):
    with pytest.raises(Forbidden):
        services.get_book(library["secret"].id)
    with pytest.raises(Forbidden):
        services.get_page(library["private"].id)
    for name in ("hidden", "draft"):
        with pytest.raises(NotFound):
            services.get_page(library[name].id)
    with pytest.raises(NotFound):
        services.get_page(123456)
    assert services.get_page(library["draft"].id, staff=object()).name == "Draft"
    assert [b.name for b in services.public_books()] == ["Guide"]


def test_neighbours_skip_hidden_pages(library):
    prev, nxt = services.neighbours(library["welcome"])
    assert prev is None and nxt.name == "Start"
    prev, nxt = services.neighbours(library["start"])
    assert prev.name == "Welcome" and nxt is None


def test_home_lists_only_visible_pages(library):
    assert [p.name for p in services.highlighted_pages()] == ["Welcome"]
    assert [p.name for p in services.most_helpful_pages()] == ["Install", "Welcome"]
    assert services.tag_cloud() == [(library["tag"], 2)]
    assert [p.name for p in services.pages_for_tag(library["tag"])] == ["Install", "Start"]


def test_related_pages_hide_what_customers_cannot_open(library):
    welcome = library["welcome"]
    welcome.related = [library["install"], library["hidden"], library["private"]]
    db.session.commit()
    assert [p.name for p in services.visible_related(welcome)] == ["Install"]


def test_one_vote_per_browser_and_atomic_counters(library):
    page = library["start"]
    assert services.vote(page, True, "browser-1") is True
    assert services.vote(page, False, "browser-1") is False
    assert services.vote(page, False, "browser-2") is True
    db.session.commit()
    assert (page.helpful, page.not_helpful) == (1, 1)
    assert services.has_voted(page.id, "browser-1") and not services.has_voted(page.id, "browser-3")
    assert services.count_vote(page.id, True) == 2
    assert services.count_vote(987654, True) is None
