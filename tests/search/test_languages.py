"""Search per language (issue 15): each further language of the site has its own KB index (``kb-de``...),
stemmed in that language; a visitor searches their language, finding pages not yet translated by the default
language's text; drafts, private and link-only pages are never found in any language; HelpSpot's kb.search
keeps searching the default language."""
import pytest

from portal import settings
from portal.extensions import db
from portal.kb import translations
from portal.search import query
from portal.search.cli import rebuild
from portal.search.query import search_kb, suggest_pages

LANGUAGES = "en,de,fr,es"


@pytest.fixture
def site(ctx, content):
    settings.set_value("languages", LANGUAGES)
    db.session.commit()
    chapter = content.chapter(content.book("Guide"))
    for kind in ("kb", "kb-de", "kb-fr", "kb-es"):  # as `flask search reindex` does once the languages are set
        rebuild(kind)
    return chapter


def translated(content, chapter, name, body, **languages_):
    """A published public page with its default (English) text and ``de=(title, body)``... translations."""
    page = content.page(chapter, name, body)
    translations.set_translation(page, "en", title=name, body=body)
    for code, (title, text) in languages_.items():
        translations.set_translation(page, code, title=title, body=text)
    db.session.commit()
    return page


def ids(results):
    return sorted(hit.id for hit in results.hits)


def test_a_german_page_is_found_by_an_inflected_german_form(site, content):
    page = translated(content, site, "Printer setup", "<p>Connect the printer.</p>",
                      de=("Drucker einrichten", "<p>Schließen Sie den Drucker an. Viele Druckern fehlt Papier.</p>"))
    other = translated(content, site, "Modem", "<p>Modem lights.</p>", de=("Modem", "<p>Die Lampen des Modems.</p>"))
    for word in ("Drucker", "Druckern", "druckers"):
        assert ids(search_kb(word, language="de")) == [page.id], word
    assert ids(search_kb("Modems", language="de")) == [other.id]
    hit = search_kb("Druckern", language="de").hits[0]
    assert (hit.title, hit.language, hit.slug) == ("Drucker einrichten", "de", "drucker-einrichten")
    assert "<mark>Drucker</mark>" in hit.snippet and "<mark>Druckern</mark>" in hit.snippet
    # the English index knows no German words, and English stems stay English
    assert search_kb("Druckern").total == 0
    assert ids(search_kb("printers")) == [page.id]


def test_a_french_and_a_spanish_page_are_found_by_their_stems(site, content):
    fr = translated(content, site, "Printers", "<p>Printers.</p>",
                    fr=("Les imprimantes", "<p>Installer une imprimante réseau.</p>"),
                    es=("Las impresoras", "<p>Instalar una impresora de red.</p>"))
    assert ids(search_kb("imprimante", language="fr")) == [fr.id]
    assert ids(search_kb("installation imprimantes", language="fr")) == [fr.id]  # installer/installation
    assert ids(search_kb("impresora", language="es")) == [fr.id]
    assert search_kb("impresora", language="fr").total == 0
    snippet = search_kb("imprimantes", language="fr").hits[0].snippet
    assert "<mark>imprimante</mark>" in snippet


def test_stop_words_are_the_languages_own(site, content):
    page = translated(content, site, "Printer", "<p>Paper.</p>", de=("Drucker", "<p>Papier und die Tinte.</p>"))
    assert ids(search_kb("die Tinte", language="de")) == [page.id]  # "die" is a German stop word
    assert ids(search_kb("und Papier", language="de")) == [page.id]


def test_a_page_not_translated_is_found_in_the_default_language(site, content):
    only_english = translated(content, site, "Router reset", "<p>Hold the reset button.</p>")
    hits = search_kb("router", language="de").hits
    assert [hit.id for hit in hits] == [only_english.id]
    assert hits[0].language == "" and hits[0].title == "Router reset"
    # a translation added later replaces the fallback in that language's index
    translations.set_translation(only_english, "de", title="Router zurücksetzen",
                                 body="<p>Halten Sie die Rücksetztaste.</p>")
    db.session.commit()
    hits = search_kb("zurücksetzen", language="de").hits
    assert [(hit.id, hit.language) for hit in hits] == [(only_english.id, "de")]
    assert search_kb("button", language="de").total == 0


@pytest.mark.parametrize("change", [dict(status="draft"), dict(visibility="private"),
                                    dict(visibility="link_only"), dict(hidden=True)])
def test_drafts_private_and_link_only_translations_are_never_found(site, content, staff, change):
    page = translated(content, site, "Scanner", "<p>Scanner glass.</p>",
                      de=("Scanner reinigen", "<p>Die Glasplatte des Scanners putzen.</p>"),
                      fr=("Nettoyer le scanner", "<p>La vitre du scanner.</p>"))
    assert ids(search_kb("Glasplatte", language="de")) == [page.id]
    for name, value in change.items():
        setattr(page, name, value)
    db.session.commit()
    for language, word in (("de", "Glasplatte"), ("fr", "vitre"), ("en", "glass"), ("de", "Scanners")):
        assert search_kb(word, language=language).total == 0, (language, word)
        assert suggest_pages(word, language=language) == []
    assert ids(search_kb("Glasplatte", language="de", staff=staff)) == [page.id]  # staff still find it
    # "did you mean" and the forgiving retry never offer a word only that page holds
    assert search_kb("Glasplate", language="de").suggestion is None
    assert search_kb("Glasplate", language="de", forgive=query.FEW).total == 0


def test_did_you_mean_and_forgiving_retry_per_language(site, content):
    page = translated(content, site, "Printer", "<p>Paper.</p>",
                      de=("Druckerwarteschlange", "<p>Die Druckerwarteschlange leeren.</p>"))
    assert search_kb("Druckerwarteschlage", language="de").suggestion == "druckerwarteschlange"
    forgiven = search_kb("Druckerwarteschlage", language="de", forgive=query.FEW)
    assert ids(forgiven) == [page.id] and forgiven.typed == "Druckerwarteschlage"


def test_suggestions_search_the_visitors_language(site, content):
    page = translated(content, site, "Printer", "<p>Paper.</p>", de=("Drucker einrichten", "<p>Papier.</p>"))
    assert [hit.id for hit in suggest_pages("Wie Druck", language="de")] == [page.id]
    assert suggest_pages("Wie Druck") == []


def test_reindex_rebuilds_every_language(app, runner, site, content):
    page = translated(content, site, "Printer", "<p>Paper.</p>", de=("Drucker", "<p>Papier.</p>"),
                      es=("Impresora", "<p>Papel.</p>"))
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    for kind in ("kb", "kb-de", "kb-fr", "kb-es", "forums", "requests"):
        assert f"{kind}:" in result.output
    assert ids(search_kb("Papel", language="es")) == [page.id]
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code == 0, status.output
    assert "kb-de" in status.output and "kb-es" in status.output
    result = runner.invoke(args=["search", "reindex", "--kind", "kb-zz1"])
    assert result.exit_code != 0 and "not an index" in result.output


def test_a_language_whose_index_is_not_built_searches_the_default(ctx, content):
    settings.set_value("languages", "en,it")
    db.session.commit()
    chapter = content.chapter(content.book("Guide"))
    page = translated(content, chapter, "Printer", "<p>Paper.</p>", it=("Stampante", "<p>Carta.</p>"))
    assert query.kb_kind("it") == "kb"
    assert ids(search_kb("printer", language="it")) == [page.id]
    rebuild("kb-it")  # built now: Italian has no stemmer, words are matched as written
    assert query.kb_kind("it") == "kb-it"
    assert ids(search_kb("stampante", language="it")) == [page.id]
    assert search_kb("stampanti", language="it").total == 0


def test_the_portal_search_page_searches_the_visitors_language(app, client, site, content):
    page = translated(content, site, "Printer setup", "<p>Connect the printer.</p>",
                      de=("Drucker einrichten", "<p>Schließen Sie den Drucker an.</p>"))
    english = translated(content, site, "Router reset", "<p>Hold the reset button.</p>")
    reply = client.get("/de/search?q=Druckern")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert f"/de/kb/pages/{page.id}-drucker-einrichten" in html and "<mark>Drucker</mark>" in html
    reply = client.get("/search?q=Druckern", headers={"Accept-Language": "de"})
    assert f"/de/kb/pages/{page.id}-drucker-einrichten" in reply.get_data(as_text=True)
    html = client.get("/de/search?q=router").get_data(as_text=True)
    assert f"/de/kb/pages/{english.id}-router-reset" in html and "Noch nicht übersetzt (Deutsch)" in html  # the interface is German too
    assert client.get("/search?q=Druckern").get_data(as_text=True).count("/kb/pages/") == 0  # English
    assert client.get("/xx/search?q=Drucker").status_code == 404
    suggested = client.get("/search/suggest?q=Drucker&lang=de").get_json()["results"]
    assert [row["url"] for row in suggested] == [f"/de/kb/pages/{page.id}-drucker-einrichten"]


def test_helpspot_kb_search_keeps_the_default_language(app, client, site, content):
    page = translated(content, site, "Printer setup", "<p>Connect the printer.</p>",
                      de=("Drucker einrichten", "<p>Den Drucker anschließen.</p>"))
    settings.set_value("public_api", True)
    db.session.commit()
    reply = client.get("/api/index.php?method=kb.search&q=printers&output=json")
    body = reply.get_json()
    assert reply.status_code == 200, body
    assert body["page"] == [{"link": f"?pg=kb.page&id={page.id}", "desc": "Connect the printer.",
                             "sBookName": "Guide", "sPageName": "Printer setup", "xPage": str(page.id)}]
    # the default language's index, even for a visitor whose browser asks for German
    assert client.get("/api/index.php?method=kb.search&q=Druckern&output=json",
                      headers={"Accept-Language": "de"}).get_json() == {"page": []}
