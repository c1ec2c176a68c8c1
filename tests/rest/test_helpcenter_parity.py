"""One page written through HelpCenter.io v1 in two languages, read back through the other surfaces: DeskPRO's
``title_translations``/``content_translations``, HelpSpot's ``kb.getPage`` (the default language) and the
portal; a draft made by the API is hidden from all of them."""
import json

from portal import settings
from portal.extensions import db
from portal.kb import editing
from tests import factories


def test_a_translated_article_reads_the_same_everywhere(app, client, make_key):
    with app.app_context():
        settings.set_value("languages", "en,de")
        settings.set_value("public_api", True)
        admin = factories.staff("admin@example.com", role="administrator")
        chapter = editing.save_chapter(admin, editing.save_book(admin, name="Guide"), name="Start")
        db.session.commit()
        category = 2 * chapter.id
    key = make_key("admin@example.com", role="administrator")

    def helpcenter(verb, path, body):
        return client.open(f"/v1/{path}", method=verb, data=json.dumps(body), headers={"apikey": key},
                           content_type="application/json")

    made = helpcenter("POST", "articles", {"title": {"en": "Reset", "de": "Zurücksetzen"}, "published": True,
                                           "content": {"en": "<p>Hold the button.</p>", "de": "<p>Knopf halten.</p>"},
                                           "category_id": category}).json["article"]
    draft = helpcenter("POST", "articles", {"title": {"en": "Soon"}, "category_id": category}).json["article"]
    deskpro = client.get(f"/api/v2/articles/{made['id']}", headers={"Authorization": f"key {key}"}).json["data"]
    assert deskpro["language"] == "en"
    assert deskpro["title_translations"] == [{"language": "de", "value": "Zurücksetzen"},
                                             {"language": "en", "value": "Reset"}]
    assert {"language": "de", "value": "<p>Knopf halten.</p>"} in deskpro["content_translations"]
    helpspot = client.get("/api/index.php", query_string={"method": "kb.getPage", "xPage": made["id"],
                                                          "output": "json"}).get_json(force=True)
    assert helpspot["sPageName"] == "Reset" and helpspot["tPage"] == "<p>Hold the button.</p>"
    hidden = client.get("/api/index.php", query_string={"method": "kb.getPage", "xPage": draft["id"],
                                                        "output": "json"}).get_json(force=True)
    assert not hidden
    assert "Knopf halten." in client.get(f"/de/kb/pages/{made['id']}-zurucksetzen").get_data(as_text=True)
    assert client.get(f"/kb/pages/{draft['id']}").status_code == 404
