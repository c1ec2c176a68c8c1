"""Forgiving search: a search finding next to nothing is retried with near and longer words."""
from portal.search.query import FEW, search_forums, search_kb, tolerance


def test_tolerance_grows_with_word_length():
    assert [tolerance(w) for w in ("cat", "cert", "printer", "printers", "certificates")] == [0, 1, 1, 2, 2]


def test_a_partial_word_finds_the_whole_word_and_says_so(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Renew the certificate", "Your TLS certificate expires yearly.")
    plain = search_kb("cert")
    assert plain.total == 0 and plain.typed is None
    results = search_kb("cert", forgive=FEW)
    assert [hit.title for hit in results.hits] == ["Renew the certificate"]
    assert results.typed == "cert" and results.query == "certificate"


def test_misspelt_words_within_the_tolerance_are_found(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer offline", "The printer shows offline.")
    content.page(chapter, "Password rules", "Passwords need twelve letters.")
    assert [h.title for h in search_kb("printr", forgive=FEW).hits] == ["Printer offline"]  # 6 letters: 1 edit
    assert search_kb("prinzzr", forgive=FEW).hits == []  # two edits are too many for 7 letters
    assert [h.title for h in search_kb("pasword rules", forgive=FEW).hits] == ["Password rules"]
    assert search_kb("pxr", forgive=FEW).total == 0  # short words are not made fuzzy


def test_a_search_with_enough_hits_is_not_retried(content):
    chapter = content.chapter(content.book())
    for n in range(FEW):
        content.page(chapter, f"Printer {n}", "printer")
    content.page(chapter, "Printers", "many printers")
    results = search_kb("printer", forgive=FEW)
    assert results.typed is None and results.total == FEW + 1


def test_forgiving_words_never_come_from_hidden_pages(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Secret certification", "certification plan", hidden=True)
    content.page(chapter, "Public", "nothing here")
    results = search_kb("certif", forgive=FEW)
    assert results.hits == [] and results.typed is None
    private = content.chapter(content.book("Internal", private=True))
    content.page(private, "Quarterly roadmap", "roadmap")
    assert search_kb("roadma", forgive=FEW).hits == []


def test_forum_titles_are_forgiven_too(content):
    forum = content.forum()
    content.topic(forum, "Certificate errors after upgrade", "help")
    results = search_forums("certificat", forgive=1)
    assert [hit.title for hit in results.hits] == ["Certificate errors after upgrade"]


def test_known_words_are_shown_as_typed_and_stop_words_are_never_widened(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer certificate", "install the printer certificate")
    content.page(chapter, "Therapy", "there them these")
    results = search_kb("printer cert", forgive=FEW)
    assert [hit.title for hit in results.hits] == ["Printer certificate"]
    assert results.query == "printer certificate" and results.typed == "printer cert"
    assert search_kb("the cert", forgive=FEW).query == "the certificate"  # "the" does not become "there"


def test_an_empty_index_forgives_nothing_and_does_not_fail(ctx):
    results = search_kb("printr", forgive=FEW)
    assert results.hits == [] and results.typed is None
