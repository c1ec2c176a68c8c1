"""Pages in several languages: translations, drafts, link-only pages, revisions, and the portal reading them."""
import pytest

from portal import settings
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.kb import editing, revisions, services, translations
from portal.kb.models import Page, PageRevision, PageTranslation
from portal.search import documents
from tests import factories


@pytest.fixture
def site(ctx):
    settings.set_value("languages", "en,de")
    db.session.commit()
    staff = factories.staff(role="administrator")
    book = editing.save_book(staff, name="Guide")
    chapter = editing.save_chapter(staff, book, name="Start")
    db.session.commit()
    return staff, chapter


def write(staff, chapter, name="Getting started", body="<p>Install it.</p>", **options):
    page = editing.save_page(staff, chapter, editing.PageInput(name=name, body=body, **options))
    db.session.commit()
    return page


def test_languages_setting_checks_codes_and_keeps_the_default_first(ctx):
    assert settings.set_value("languages", " en, DE ") == "en,de"
    for bad in ("", "en,xx", "en,en"):
        with pytest.raises(ValidationFailed):
            settings.set_value("languages", bad)


def test_a_page_has_a_translation_per_language_and_mirrors_the_default(site):
    staff, chapter = site
    page = write(staff, chapter)
    editing.translate_page(staff, page, "de", title="Erste Schritte", body="<p>Über <script>x</script>uns</p>")
    db.session.commit()
    rows = translations.translations_of(page)
    assert rows["en"].slug == "getting-started" and rows["de"].slug == "erste-schritte"
    assert "<script>" not in rows["de"].body  # the editor's cleaning
    assert page.name == "Getting started"  # the default language's text stays the page's own
    with pytest.raises(ValidationFailed) as refused:
        editing.translate_page(staff, page, "fr", title="Démarrer")
    assert refused.value.errors[0][0] == "language"
    with pytest.raises(ValidationFailed):
        editing.translate_page(staff, page, "de", title="  ")


def test_slugs_are_unique_per_language(site):
    staff, chapter = site
    first, second = write(staff, chapter), write(staff, chapter)
    assert translations.translations_of(second)["en"].slug == "getting-started-2"
    with pytest.raises(ValidationFailed) as refused:
        editing.translate_page(staff, second, "en", slug="getting-started")
    assert refused.value.errors[0][0] == "slug"
    assert first.id != second.id


def test_changing_the_default_language_shows_the_new_default_text(site):
    staff, chapter = site
    page = write(staff, chapter)
    editing.translate_page(staff, page, "de", title="Erste Schritte", body="<p>Los</p>")
    settings.set_value("languages", "de,en")
    db.session.commit()
    assert (page.name, page.body) == ("Erste Schritte", "<p>Los</p>")


def test_drafts_private_and_link_only_pages_are_kept_from_customers(site):
    staff, chapter = site
    public = write(staff, chapter, name="Public")
    draft = write(staff, chapter, name="Draft", status="draft", highlight=True)
    private = write(staff, chapter, name="Private", visibility="private", highlight=True)
    shared = write(staff, chapter, name="Shared", visibility="link_only", highlight=True)
    for page in (draft, private, shared):
        with pytest.raises(NotFound):
            services.get_page(page.id)
        assert services.get_page(page.id, staff=staff) is page  # staff preview
    assert services.get_shared_page(shared.share_token) is shared
    with pytest.raises(NotFound):
        services.get_shared_page(private.share_token or "nothing")
    toc = services.table_of_contents(chapter.book)
    assert [p.page.name for p in toc[0].pages] == ["Public"]
    assert services.listed_translations(["en", "de"]) == [(public.id, "en", "public")]
    search_public = {doc["id"]: doc["public"] for doc in documents.kb_documents(db.session)}
    assert search_public == {public.id: True, draft.id: False, private.id: False, shared.id: False}
    editing.publish(staff, draft, status="published")
    db.session.commit()
    assert services.get_page(draft.id) is draft


def test_each_save_keeps_a_revision_that_can_be_compared_and_restored(site):
    staff, chapter = site
    page = write(staff, chapter, body="<p>One</p>")
    editing.save_page(staff, chapter, editing.PageInput(name="Getting started", body="<p>Two</p>"), page)
    editing.save_page(staff, chapter, editing.PageInput(name="Getting started", body="<p>Two</p>"), page)  # no change
    editing.publish(staff, page, status="draft")
    db.session.commit()
    history = revisions.history(page)
    assert [r.change for r in history] == ["draft", "body", "created"]
    assert all(r.staff_id == staff.id for r in history)
    diff = revisions.compare(history[2], history[1])
    assert "-<p>One</p>" in diff and "+<p>Two</p>" in diff
    revisions.restore(staff, page, history[2])
    db.session.commit()
    assert page.body == "<p>One</p>" and revisions.history(page)[0].change == f"restored revision {history[2].id}"
    assert db.session.scalar(db.select(db.func.count(PageRevision.id))) == 4


def test_portal_reads_the_language_from_prefix_choice_and_accept_language(app, client):
    with app.test_request_context():
        settings.set_value("languages", "en,de")
        staff = factories.staff(role="administrator")
        chapter = editing.save_chapter(staff, editing.save_book(staff, name="Guide"), name="Start")
        page = write(staff, chapter)
        only_english = write(staff, chapter, name="Only English")
        editing.translate_page(staff, page, "de", title="Erste Schritte", body="<p>Installieren.</p>")
        link = write(staff, chapter, name="Secret link", visibility="link_only")
        draft = write(staff, chapter, name="Draft", status="draft")
        db.session.commit()
        ids, token = (page.id, only_english.id, draft.id), link.share_token
    page_id, english_id, draft_id = ids
    german = client.get(f"/de/kb/pages/{page_id}-erste-schritte").get_data(as_text=True)
    assert "Installieren." in german and f'hreflang="en" href="http://localhost/kb/pages/{page_id}-getting-started"' in german
    assert f'rel="canonical" href="http://localhost/de/kb/pages/{page_id}-erste-schritte"' in german
    assert "Install it." in client.get(f"/kb/pages/{page_id}", follow_redirects=True).get_data(as_text=True)
    assert "Installieren." in client.get(f"/kb/pages/{page_id}", headers={"Accept-Language": "de"},
                                        follow_redirects=True).get_data(as_text=True)
    fallback = client.get(f"/de/kb/pages/{english_id}-only-english").get_data(as_text=True)
    # (the note is in the interface's language, German here: portal.i18n)
    assert "nicht in Ihrer Sprache" in fallback and "Only English" in fallback
    assert client.get(f"/fr/kb/pages/{page_id}").status_code == 404
    assert client.get(f"/kb/pages/{draft_id}").status_code == 404
    client.get("/language?to=de&next=/kb")
    assert "Installieren." in client.get(f"/kb/pages/{page_id}", follow_redirects=True).get_data(as_text=True)
    shared = client.get(f"/kb/share/{token}")
    assert shared.status_code == 200 and "noindex" in shared.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in shared.get_data(as_text=True)
    assert client.get("/kb/share/not-a-token").status_code == 404
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/de/kb/pages/{page_id}-erste-schritte" in sitemap and f"/kb/pages/{english_id}-only-english" in sitemap
    assert "secret-link" not in sitemap and "draft" not in sitemap


def test_translation_rows_are_removed_with_their_page(site):
    staff, chapter = site
    page = write(staff, chapter)
    editing.delete(staff, page)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(PageTranslation.id))) == 0
    assert db.session.get(Page, page.id) is None


def test_books_chapters_and_home_lists_in_the_visitors_language(app, client):
    with app.test_request_context():
        settings.set_value("languages", "en,de")
        staff = factories.staff(role="administrator")
        book = editing.save_book(staff, name="Guide", description="All about it")
        chapter = editing.save_chapter(staff, book, name="Start")
        page = write(staff, chapter, highlight=True)
        translations.set_book_name(book, "de", name="Handbuch", description="Alles darüber")
        translations.set_chapter_name(chapter, "de", name="Anfang")
        editing.translate_page(staff, page, "de", title="Erste Schritte", body="<p>Los.</p>")
        db.session.commit()
        book_id, chapter_id, page_id = book.id, chapter.id, page.id
    german = {"Accept-Language": "de"}
    books = client.get("/de/kb").get_data(as_text=True)
    assert "Handbuch" in books and "Alles darüber" in books and f'href="/de/kb/books/{book_id}-guide"' in books
    contents = client.get(f"/de/kb/books/{book_id}-guide").get_data(as_text=True)
    assert "Anfang" in contents and f'href="/de/kb/pages/{page_id}-erste-schritte">Erste Schritte' in contents
    assert "Anfang" in client.get(f"/de/kb/chapters/{chapter_id}-start").get_data(as_text=True)
    assert "Guide" in client.get("/kb").get_data(as_text=True)
    assert "Erste Schritte" in client.get("/", headers=german).get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Getting started" in home and "Erste Schritte" not in home
    assert client.get("/xx/kb").status_code == 404
