"""What the query speed-ups must not change: kept searchers see every commit, phrase pages stay exact."""
from flask import current_app
from whoosh import index as whoosh_index

from portal.search import query
from portal.search.query import search_kb


def _searcher_id():
    with current_app.extensions["portico_search"].searcher("kb") as searcher:
        return id(searcher)


def test_a_kept_searcher_is_reused_until_the_index_changes(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer setup", "printer")
    first = _searcher_id()
    assert _searcher_id() == first
    content.page(chapter, "Printer ink", "printer")
    assert search_kb("printer").total == 2


def test_a_commit_by_another_process_is_seen(content, app):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer setup", "printer")
    assert search_kb("modem").total == 0
    # Another worker's commit: a separate Whoosh index object on the same folder, no hooks, no shared cache.
    ix = whoosh_index.open_dir(f"{app.config['SEARCH_INDEX_DIR']}/kb")
    writer = ix.writer()
    writer.add_document(id=999, title="Modem lights", body="modem", public=True, book_id=1, chapter_id=1)
    writer.commit()
    assert [hit.id for hit in search_kb("modem").hits] == [999]


def test_closing_the_index_closes_kept_searchers(content):
    content.page(content.chapter(content.book()), "Printer setup", "printer")
    index = current_app.extensions["portico_search"]
    with index.searcher("kb") as searcher:
        pass
    index.close()
    assert searcher.is_closed
    assert search_kb("printer").total == 1  # a fresh searcher is opened


def _guides_and_others(content):
    chapter = content.chapter(content.book())
    for number in range(6):
        content.page(chapter, f"Guide {number}", "how to reset your password reset steps")
    for number in range(4):
        content.page(chapter, f"Other {number}", "reset the router then choose a new password")


def test_phrase_totals_are_exact_with_numpy_ranking(content):
    _guides_and_others(content)
    pages = [search_kb('"password reset"', per_page=2, page=page) for page in (1, 2, 3, 4)]
    assert [(results.total, results.total_is_estimate) for results in pages] == [(6, False)] * 4
    assert sorted(hit.title for results in pages for hit in results.hits) == [f"Guide {number}" for number in range(6)]
    assert pages[3].hits == []


def test_phrase_pages_on_whooshs_path_hold_only_phrase_matches(content, monkeypatch):
    """Whoosh's path (an index built before PackedPositions, or a query ranking.py does not know): Whoosh's
    own phrase matching, counted exactly up to COUNT_BOUND and estimated beyond."""
    _guides_and_others(content)
    monkeypatch.setattr(query, "ranked_hits", lambda *args, **kwargs: None)
    pages = [search_kb('"password reset"', per_page=2, page=page) for page in (1, 2, 3)]
    assert sorted(hit.title for results in pages for hit in results.hits) == [f"Guide {number}" for number in range(6)]
    assert {(results.total, results.total_is_estimate) for results in pages} == {(6, False)}
    assert search_kb("password reset").total == 10

    monkeypatch.setattr(query, "COUNT_BOUND", 4)
    estimated = search_kb("password reset", per_page=2)
    assert estimated.total_is_estimate and estimated.total >= 4 and len(estimated.hits) == 2


def test_phrase_mixed_with_words_and_across_fields_agrees_with_whoosh(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Password reset", "printer manual")
    content.page(chapter, "Printer", "a password screen, then reset the button")
    content.page(chapter, "Scanner", "password reset for the scanner")
    content.page(chapter, "Stop words", "the password for the reset")  # stop words leave no gap in Whoosh
    assert [hit.title for hit in search_kb('"password reset" printer').hits] == ["Password reset"]
    assert sorted(hit.title for hit in search_kb('"password reset"').hits) == [
        "Password reset", "Scanner", "Stop words"]
    with current_app.extensions["portico_search"].searcher("kb") as searcher:  # Whoosh's own phrase check
        for text in ('"password reset"', '"password reset" printer', '"reset the button" OR "printer manual"'):
            parsed = query.parse(text, query.KB_FIELDS, searcher.schema)
            expected = {searcher.stored_fields(docnum)["id"] for docnum in searcher.docs_for_query(parsed)}
            assert {hit.id for hit in search_kb(text).hits} == expected, text
