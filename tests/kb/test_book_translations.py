"""A book's and a chapter's names and descriptions per language: the staff form (checked, cleaned, the
book's editors only), the portal's fallbacks, and HelpCenter.io's categories reading and writing the same rows."""
import json

import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.apikeys.services import create_key, presented
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.kb import editing, translations
from portal.kb.models import Book, BookTranslation, Chapter, ChapterTranslation
from tests import factories


@pytest.fixture
def guide(app, staff_auth):
    """Languages en,de,fr; a book "Guide" (with an English description) and its chapter "Start"; an
    administrator logged in on the staff side."""
    with app.app_context():
        settings.set_value("languages", "en,de,fr")
        admin = factories.staff(role="administrator")
        book = editing.save_book(admin, name="Guide", description="All about the product")
        chapter = editing.save_chapter(admin, book, name="Start")
        editing.save_page(admin, chapter, editing.PageInput(name="Getting started", body="<p>One</p>"))
        db.session.commit()
        ids = {"book": book.id, "chapter": chapter.id}
    staff_auth.login()
    return ids


def _rows(app, model):
    with app.app_context():
        return {row.language: (row.name, row.description) for row in db.session.execute(db.select(model)).scalars()}


def test_staff_write_a_book_name_per_language(app, client, guide):
    book_id = guide["book"]
    page = client.get(f"/staff/kb/books/{book_id}").get_data(as_text=True)
    assert f"/staff/kb/books/{book_id}/languages/de" in page and "not translated" in page
    form = client.get(f"/staff/kb/books/{book_id}/languages/de")
    assert form.status_code == 200 and 'lang="de"' in form.get_data(as_text=True)
    saved = client.post(f"/staff/kb/books/{book_id}/languages/de",
                        data={"name": "  Handbuch\n", "description": "Alles \x07über das Produkt"})
    assert saved.status_code == 302 and saved.location.endswith(f"/staff/kb/books/{book_id}")
    assert _rows(app, BookTranslation)["de"] == ("Handbuch", "Alles über das Produkt")
    assert _rows(app, BookTranslation)["en"] == ("Guide", "All about the product")  # untouched
    with app.app_context():
        assert db.session.get(Book, book_id).name == "Guide"  # the mirror is the default language's
    assert "written" in client.get(f"/staff/kb/books/{book_id}").get_data(as_text=True)


def test_the_default_language_form_changes_the_book_itself(app, client, guide):
    client.post(f"/staff/kb/books/{guide['book']}/languages/en", data={"name": "Manual", "description": "New"})
    with app.app_context():
        book = db.session.get(Book, guide["book"])
        assert (book.name, book.description) == ("Manual", "New")


@pytest.mark.parametrize("form, field, reason", [
    ({"name": "", "description": "x"}, "name", "may not be empty"),
    ({"name": " \n\t ", "description": ""}, "name", "may not be empty"),
    ({"name": "N" * 256, "description": ""}, "name", "under 255 characters"),
    ({"name": "Handbuch", "description": "d" * 2001}, "description", "under 2,000 characters"),
])
def test_bad_names_are_refused_beside_the_field_and_nothing_is_written(app, client, guide, form, field, reason):
    for kind, ident in (("books", guide["book"]), ("chapters", guide["chapter"])):
        reply = client.post(f"/staff/kb/{kind}/{ident}/languages/de", data=form)
        html = reply.get_data(as_text=True)
        assert reply.status_code == 400 and reason in html
        assert f'id="{field}-errors"' in html  # beside its field
    assert "de" not in _rows(app, BookTranslation) and "de" not in _rows(app, ChapterTranslation)


def test_languages_the_site_does_not_have_and_unknown_items_are_404(client, guide):
    assert client.get(f"/staff/kb/books/{guide['book']}/languages/es").status_code == 404
    assert client.post(f"/staff/kb/books/{guide['book']}/languages/xx", data={"name": "x"}).status_code == 404
    assert client.get("/staff/kb/books/99999/languages/de").status_code == 404
    assert client.get(f"/staff/kb/books/{guide['book']}/languages/de/delete").status_code == 405


def test_html_in_a_name_is_text_on_the_portal(app, client, guide):
    client.post(f"/staff/kb/books/{guide['book']}/languages/de",
                data={"name": "<script>alert(1)</script>Handbuch", "description": "<b>fett</b>"})
    html = client.get("/de/kb").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;Handbuch" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html


def test_chapters_have_names_and_descriptions_per_language(app, client, guide):
    chapter_id = guide["chapter"]
    assert f"/staff/kb/chapters/{chapter_id}/languages/de" in client.get(
        f"/staff/kb/chapters/{chapter_id}").get_data(as_text=True)
    client.post(f"/staff/kb/chapters/{chapter_id}/languages/en", data={"name": "Start", "description": "First steps"})
    client.post(f"/staff/kb/chapters/{chapter_id}/languages/de", data={"name": "Anfang", "description": ""})
    assert _rows(app, ChapterTranslation) == {"en": ("Start", "First steps"), "de": ("Anfang", "")}
    german = client.get(f"/de/kb/chapters/{chapter_id}", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Anfang</h1>" in german and "First steps" in german  # no German description: the default's
    english = client.get(f"/kb/chapters/{chapter_id}", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Start</h1>" in english and "Anfang" not in english


def test_customers_read_book_names_in_their_language_with_fallbacks(app, client, guide, staff_auth):
    client.post(f"/staff/kb/books/{guide['book']}/languages/de", data={"name": "Handbuch", "description": ""})
    staff_auth.logout()
    german = client.get("/de/kb").get_data(as_text=True)
    assert "Handbuch" in german and "All about the product" in german  # the description falls back
    french = client.get("/fr/kb").get_data(as_text=True)
    assert "Guide" in french and "Handbuch" not in french  # not translated into French: the default
    book = client.get(f"/de/kb/books/{guide['book']}", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Handbuch</h1>" in book
    assert "Handbuch" not in client.get("/kb").get_data(as_text=True)


def test_removing_a_language_leaves_the_default(app, client, guide):
    book_id = guide["book"]
    client.post(f"/staff/kb/books/{book_id}/languages/de", data={"name": "Handbuch"})
    client.post(f"/staff/kb/books/{book_id}/languages/en/delete")
    client.post(f"/staff/kb/books/{book_id}/languages/de/delete")
    assert set(_rows(app, BookTranslation)) == {"en"}
    assert "Guide" in client.get("/de/kb").get_data(as_text=True)


def test_only_the_books_editors_and_administrators_may_translate(app, client, guide, staff_auth):
    with app.app_context():
        factories.staff("writer@example.com", role="agent")
        db.session.commit()
    staff_auth.logout()
    staff_auth.login("writer@example.com")
    refused = client.post(f"/staff/kb/books/{guide['book']}/languages/de", data={"name": "Handbuch"})
    assert refused.status_code == 403
    assert client.post(f"/staff/kb/chapters/{guide['chapter']}/languages/de",
                       data={"name": "Anfang"}).status_code == 403
    assert "de" not in _rows(app, BookTranslation) and "de" not in _rows(app, ChapterTranslation)


def test_a_new_translation_needs_a_name(app, guide):
    with app.app_context():
        admin = db.session.execute(db.select(Staff).where(Staff.email == "agent@example.com")).scalar_one()
        book = db.session.get(Book, guide["book"])
        with pytest.raises(ValidationFailed) as refused:
            translations.translate_book(admin, book, "de", name=None, description="Nur Text")
        assert refused.value.errors == [("name", "A new translation (de) needs a name.")]


# --- the same rows through HelpCenter.io -------------------------------------------------------------

@pytest.fixture
def api(app, client, guide):
    with app.app_context():
        admin = db.session.execute(db.select(Staff).where(Staff.email == "agent@example.com")).scalar_one()
        key, secret = create_key(admin, admin, "script")
        db.session.commit()
        presented_key = presented(key, secret)

    def call(verb, path, body=None, **query):
        return client.open(f"/v1/{path}", method=verb, headers={"apikey": presented_key},
                           data=json.dumps(body) if body is not None else None,
                           content_type="application/json", query_string=query)
    return call


def test_categories_show_what_the_staff_form_wrote(app, client, api, guide):
    client.post(f"/staff/kb/books/{guide['book']}/languages/de", data={"name": "Handbuch", "description": "Alles"})
    client.post(f"/staff/kb/chapters/{guide['chapter']}/languages/de", data={"name": "Anfang", "description": "Los"})
    listed = {c["id"]: c for c in api("GET", "categories").json["categories"]}
    book, chapter = listed[2 * guide["book"] - 1], listed[2 * guide["chapter"]]
    assert book["name"] == {"en": "Guide", "de": "Handbuch"}
    assert book["description"] == {"en": "All about the product", "de": "Alles"}
    assert chapter["name"] == {"en": "Start", "de": "Anfang"} and chapter["description"]["de"] == "Los"
    german = {c["id"]: c for c in api("GET", "categories", language="de").json["categories"]}
    assert german[2 * guide["book"] - 1]["name"] == {"de": "Handbuch"}


def test_a_patch_shows_on_the_staff_form_and_the_portal(app, client, api, guide):
    reply = api("PATCH", f"categories/{2 * guide['book'] - 1}", {"name": {"fr": "Manuel"},
                                                                  "description": {"fr": "Tout"}})
    assert reply.status_code == 200 and reply.json["category"]["name"] == {"en": "Guide", "fr": "Manuel"}
    form = client.get(f"/staff/kb/books/{guide['book']}/languages/fr").get_data(as_text=True)
    assert 'value="Manuel"' in form and "Tout" in form
    assert "Manuel" in client.get("/fr/kb").get_data(as_text=True)


def test_a_patch_is_checked_as_the_form_is(app, api, guide):
    too_long = api("PATCH", f"categories/{2 * guide['chapter']}", {"name": {"de": "N" * 300}})
    assert too_long.status_code == 400 and "name" in too_long.json
    empty = api("PATCH", f"categories/{2 * guide['chapter']}", {"name": {"de": "  "}})
    assert empty.status_code == 400
    assert "de" not in _rows(app, ChapterTranslation)


def test_categories_of_books_without_rows_show_their_own_names(app, api, guide):
    with app.app_context():  # a book written before books had translations
        db.session.add(Book(name="Old book", description="Kept", position=9))
        db.session.commit()
    names = [c["name"] for c in api("GET", "categories").json["categories"]]
    assert {"en": "Old book"} in names


def test_a_chapter_without_a_row_has_no_description(app, guide):
    with app.app_context():
        chapter = db.session.get(Chapter, guide["chapter"])
        names = translations.Names("de", chapters=[chapter])
        assert names.chapter(chapter) == "Start" and names.chapter_description(chapter) == ""
