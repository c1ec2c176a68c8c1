""""Did you mean" used to offer words that exist only in hidden pages, hidden chapters,
private books and private forums. Suggestions now come only from what the viewer may see: a word is
"known" (not corrected) and a correction is offered only when a document the viewer may open holds it."""
import pytest

from portal.search.query import search_forums, search_kb
from tests.search.conftest import content, staff  # noqa: F401  (fixtures: rows committed as services do)

SECRET = "zephyrine"  # a word no public document holds
TYPO = "zephyrin"


@pytest.fixture
def kb(content):
    public = content.book("Manual")
    chapter = content.chapter(public)
    content.page(chapter, "Printer drivers", "Install the printer driver for your operating system")
    hidden_chapter = content.chapter(public, "Drafts", hidden=True)
    private = content.chapter(content.book("Internal", private=True), "Secrets")
    return {"chapter": chapter, "hidden chapter": hidden_chapter, "private book": private}


@pytest.mark.parametrize("where", ["hidden page", "hidden chapter", "private book"])
def test_a_word_only_in_what_visitors_cannot_see_is_never_suggested(content, kb, where, staff):
    if where == "hidden page":
        content.page(kb["chapter"], "Codename", f"The {SECRET} launch plan", hidden=True)
    else:
        content.page(kb[where], f"The {SECRET} plan", f"The {SECRET} launch plan")
    for typo in (TYPO, f"{TYPO} launch", "zephyrina"):
        results = search_kb(typo)
        assert results.total == 0
        assert SECRET not in (results.suggestion or "")
    # Staff see every page, and so every word.
    assert search_kb(TYPO, staff=staff).suggestion == SECRET


def test_the_portal_page_never_shows_a_hidden_word(app, client, content, kb):
    content.page(kb["chapter"], "Codename", f"The {SECRET} launch plan", hidden=True)
    html = client.get(f"/search?q={TYPO}").get_data(as_text=True)
    assert SECRET not in html and "Did you mean" not in html


def test_a_hidden_word_is_not_known_either(content, kb):
    """A word found only in hidden pages is corrected like any unknown word, to a visible one: the reply
    to it does not tell that it exists."""
    content.page(kb["chapter"], "Drivers", "the printer drivers list", hidden=True)
    content.page(kb["chapter"], "Hidden words", "printerx", hidden=True)
    assert search_kb("printerx").suggestion == "printer"
    assert search_kb("printr").suggestion == "printer"  # visible corrections still work


def test_private_forum_titles_are_never_suggested(content):
    content.topic(content.forum("Staff room", private=True), f"The {SECRET} launch", "secret plans")
    content.topic(content.forum("Help"), "Keyboard stuck", "keys do not move")
    results = search_forums(TYPO)
    assert results.total == 0 and SECRET not in (results.suggestion or "")
    assert search_forums("keybaord").suggestion == "keyboard"


def test_a_page_hidden_after_it_was_indexed_takes_its_words_with_it(content, kb):
    from portal.extensions import db

    page = content.page(kb["chapter"], "Codename", f"The {SECRET} launch plan")
    assert search_kb(TYPO).suggestion == SECRET  # public: offered
    page.hidden = True
    db.session.commit()  # the index replaces the page's document with a hidden one
    assert search_kb(SECRET).total == 0
    assert SECRET not in (search_kb(TYPO).suggestion or "")
