"""Suggestions in the visitor's language: pages found in their language's index (kb-de), linked under
/de/kb/..., falling back to the default language's results; opening one goes to the page in that language."""
import pytest

from portal import settings
from portal.extensions import db
from portal.kb import translations
from portal.search.cli import rebuild
from tests.search.conftest import Content


@pytest.fixture
def german(ctx):
    settings.set_value("languages", "en,de")
    db.session.commit()
    content = Content()
    chapter = content.chapter(content.book("Guide"))
    printer = content.page(chapter, "Printer setup", "<p>Connect the printer.</p>")
    router = content.page(chapter, "Router reset", "<p>Hold the reset button.</p>")
    for page, name, body in ((printer, "Printer setup", "<p>Connect the printer.</p>"),
                             (router, "Router reset", "<p>Hold the reset button.</p>")):
        translations.set_translation(page, "en", title=name, body=body)
    translations.set_translation(printer, "de", title="Drucker einrichten",
                                 body="<p>Schließen Sie den Drucker an. Viele Druckern fehlt Papier.</p>")
    db.session.commit()
    for kind in ("kb", "kb-de"):  # as `flask search reindex` does once the languages are set
        rebuild(kind)
    return {"printer": printer.id, "router": router.id}


def suggested(client, q, **args):
    return client.get("/help/suggest", query_string={"q": q, "form": "request", **args}).get_json()["results"]


def test_a_german_visitor_gets_german_pages_under_the_german_prefix(client, german):
    page = german["printer"]
    found = suggested(client, "Druckern", lang="de")
    assert [(row["title"], row["url"]) for row in found] == [("Drucker einrichten",
                                                             f"/de/kb/pages/{page}-drucker-einrichten")]
    by_header = client.get("/help/suggest", query_string={"q": "Druckern"}, headers={"Accept-Language": "de"})
    assert [row["url"] for row in by_header.get_json()["results"]] == [f"/de/kb/pages/{page}-drucker-einrichten"]
    assert suggested(client, "Druckern") == []  # an English visitor: the English index knows no German words


def test_english_words_fall_back_to_the_default_language_and_keep_the_prefix(client, german):
    found = suggested(client, "router res", lang="de")
    assert [row["url"] for row in found] == [f"/de/kb/pages/{german['router']}-router-reset"]
    english = suggested(client, "printer", lang="de")  # kb-de holds it by its German text only
    assert [(row["title"], row["url"]) for row in english] == [
        ("Drucker einrichten", f"/de/kb/pages/{german['printer']}-drucker-einrichten")]
    assert suggested(client, "printer")[0]["url"] == f"/kb/pages/{german['printer']}-printer-setup"


def test_opening_a_german_suggestion_goes_to_the_german_page(client, german):
    row = suggested(client, "Drucker", lang="de")[0]
    assert "lang=de" in row["open_url"]
    reply = client.get(row["open_url"])
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/de/kb/pages/{german['printer']}-drucker-einrichten")
    unknown = client.get(row["open_url"].replace("lang=de", "lang=xx"))  # a language the site lacks
    assert unknown.headers["Location"].endswith(f"/kb/pages/{german['printer']}-printer-setup")


def test_a_page_read_in_place_is_its_body_in_the_visitors_language_and_counted_as_opened(app, client, german):
    from portal.deflection.models import DeflectionEvent

    row = suggested(client, "Drucker", lang="de")[0]
    reply = client.get(row["read_url"])
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    assert "Drucker einrichten</h3>" in html and "Viele Druckern fehlt Papier." in html
    assert f'href="/de/kb/pages/{german["printer"]}-drucker-einrichten"' in html and "<html" not in html
    client.get(row["read_url"])  # read twice, counted once
    with app.app_context():
        opened = db.session.scalars(db.select(DeflectionEvent).where(DeflectionEvent.kind == "opened")).all()
        assert [(e.target_kind, e.target_id) for e in opened] == [("page", german["printer"])]
    assert client.get("/help/read/page/999999").status_code == 404
