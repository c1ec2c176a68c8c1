"""Ranking, snippets, phrases, prefixes, "did you mean" and pagination."""
from portal.search.query import search_forums, search_kb, suggest_pages


def test_title_match_ranks_above_body_match_and_stemming_applies(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Mail settings", "When the router restarts, check the mail settings.")
    content.page(chapter, "Restarting the router", "Unplug it.")
    results = search_kb("restart router")
    assert [hit.title for hit in results.hits] == ["Restarting the router", "Mail settings"]
    assert results.hits[0].score > results.hits[1].score


def test_snippet_marks_matches_and_escapes_user_html(content):
    chapter = content.chapter(content.book())
    page = content.page(chapter, "Scripts", "<p>Use &lt;script&gt; tags &amp; the <b>printer</b> console.</p>")
    hit, = search_kb("printer").hits
    assert hit.id == page.id
    assert "<mark>printer</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet and "<b>" not in hit.snippet
    assert hit.desc == "Use <script> tags & the printer console."[:120]


def test_desc_is_the_first_120_characters_of_plain_text(content):
    chapter = content.chapter(content.book("Manuals"), "Hardware")
    body = "<p>" + "word " * 60 + "printer</p>"
    content.page(chapter, "Long page", body)
    hit, = search_kb("printer").hits
    assert hit.desc == ("word " * 60)[:120]
    assert (hit.book_name, hit.chapter_name) == ("Manuals", "Hardware")


def test_phrase_queries_need_the_words_together(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "A", "reset the password from the login page")
    content.page(chapter, "B", "the login screen offers a password reset")
    assert [hit.title for hit in search_kb('"password reset"').hits] == ["B"]
    assert sorted(hit.title for hit in search_kb("password reset").hits) == ["A", "B"]


def test_suggestions_match_the_unfinished_last_word_and_only_public_pages(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Password reset", "forgot your password")
    content.page(chapter, "Passport photos", "upload a photo")
    content.page(chapter, "Password policy", "rules", hidden=True)
    assert sorted(hit.title for hit in suggest_pages("pass")) == ["Passport photos", "Password reset"]
    assert [hit.title for hit in suggest_pages("I forgot my passw")][0] == "Password reset"
    assert [hit.title for hit in suggest_pages("passwords")] == ["Password reset"]  # whole word, stemmed
    assert suggest_pages("") == [] and suggest_pages("the") == []
    assert len(suggest_pages("pass", limit=1)) == 1


def test_did_you_mean_corrects_unknown_words_only(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer drivers", "Install the printer driver for your operating system")
    results = search_kb("printr driver")
    assert results.hits == [] and results.suggestion == "printer driver"
    assert search_kb(results.suggestion).total == 1
    assert search_kb("printer driver").suggestion is None
    assert search_kb("qqqqzzzz").suggestion is None


def test_pagination_and_counts(content):
    chapter = content.chapter(content.book())
    for number in range(7):
        content.page(chapter, f"Modem {number}", "modem lights")
    first, last = search_kb("modem", per_page=3), search_kb("modem", per_page=3, page=3)
    assert (first.total, first.pages, len(first.hits)) == (7, 3, 3)
    assert (last.total, last.page, len(last.hits)) == (7, 3, 1)
    assert not {hit.id for hit in first.hits} & {hit.id for hit in last.hits}
    assert search_kb("modem", per_page=3, page=9).hits == []


def test_forum_results_count_topics_not_posts(content):
    forum = content.forum()
    busy = content.topic(forum, "Printer jam", "printer jams")
    for _ in range(4):
        content.post(busy, "my printer too")
    content.topic(forum, "Printer ink", "ink for the printer")
    results = search_forums("printer", per_page=1)
    assert results.total == 2 and results.pages == 2 and len(results.hits) == 1
    assert search_forums("printer", per_page=1, page=2).hits[0].id != results.hits[0].id


def test_did_you_mean_in_forums_uses_topic_titles(content):
    content.topic(content.forum(), "Keyboard stuck", "keys do not move")
    results = search_forums("keybaord")
    assert results.total == 0 and results.suggestion == "keyboard"
    assert search_forums("keyboard").total == 1
