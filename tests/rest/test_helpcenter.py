"""HelpCenter.io v1 at /v1/: keys, the list envelopes, creating and patching articles per language,
categories, and every error shape the seed describes."""
import json

import pytest

from portal import settings
from portal.extensions import db
from portal.kb import editing
from portal.kb.models import Page, PageTranslation
from tests import factories


class HelpCenter:
    def __init__(self, client, key):
        self.client, self.key = client, key

    def __call__(self, verb, path, body=None, key=..., **query):
        key = self.key if key is ... else key
        headers = {"apikey": key} if key is not None else {}
        data = json.dumps(body) if body is not None else None
        return self.client.open(f"/v1/{path.lstrip('/')}", method=verb, data=data, headers=headers,
                                content_type="application/json", query_string=query)


@pytest.fixture
def kb(app):
    """Languages en,de; a book with two chapters; an admin's read-and-write key and a read-only key."""
    with app.app_context():
        settings.set_value("languages", "en,de")
        admin = factories.staff("admin@example.com", role="administrator")
        book = editing.save_book(admin, name="Guide")
        start = editing.save_chapter(admin, book, name="Start")
        other = editing.save_chapter(admin, book, name="Other")
        for n in range(3):
            editing.save_page(admin, start, editing.PageInput(name=f"Page {n}", body=f"<p>Body {n}</p>"))
        editing.save_page(admin, start, editing.PageInput(name="Hidden draft", status="draft"))
        db.session.commit()
        return {"book": 2 * book.id - 1, "start": 2 * start.id, "other": 2 * other.id}


@pytest.fixture
def api(client, make_key, kb):
    return HelpCenter(client, make_key("admin@example.com", role="administrator"))


@pytest.fixture
def reader(client, make_key, kb):
    return HelpCenter(client, make_key("admin@example.com", role="administrator", name="ro", read_only=True))


def test_the_apikey_header_is_required_and_checked(api):
    for key in (None, "", "1:wrong", "garbage"):
        reply = api("GET", "articles", key=key)
        assert reply.status_code == 401 and reply.json["status"] == "error"


def test_listing_pages_through_articles_with_meta(api, kb):
    first = api("GET", "articles", limit=2)
    assert first.status_code == 200 and first.json["status"] == "success"
    assert first.json["meta"] == {"page": 1, "per_page": 2, "total_pages": 2, "items_count": 4}
    second = api("GET", "articles", limit=2, page=2)
    ids = [a["id"] for a in first.json["articles"] + second.json["articles"]]
    assert len(set(ids)) == 4
    assert api("GET", "articles").json["meta"]["per_page"] == 100
    article = first.json["articles"][0]
    assert article["title"] == {"en": "Page 0"} and article["slug"] == {"en": "page-0"}
    assert article["category_id"] == kb["start"] and article["published"] is True
    found = api("GET", "articles", search="body 2").json
    assert [a["title"]["en"] for a in found["articles"]] == ["Page 2"]
    assert api("GET", "articles", category_id=kb["other"]).json["meta"]["items_count"] == 0
    assert api("GET", "articles", sort="-views").status_code == 200


def test_list_errors_use_the_validation_envelope(api):
    for query in ({"limit": 101}, {"page": 0}, {"limit": "x"}, {"sort": "nonsense"}):
        reply = api("GET", "articles", **query)
        assert reply.status_code == 400 and reply.json["status"] == "validation_error"
        assert isinstance(reply.json["errors"], dict) and all(isinstance(v, list) for v in reply.json["errors"].values())
    reply = api("GET", "articles", language="fr")
    assert reply.status_code == 422 and reply.json["status"] == "error" and "fr" in reply.json["message"]


def test_a_read_only_key_lists_but_may_not_write(reader, kb):
    assert reader("GET", "articles").status_code == 200
    for verb, path, action in (("POST", "articles", "creating articles"), ("PATCH", "articles/1", "updating articles"),
                               ("PATCH", f"categories/{kb['book']}", "updating categories")):
        reply = reader(verb, path, {"title": {"en": "x"}})
        assert reply.status_code == 403 and action in reply.json["message"]


def test_create_a_draft_then_publish_and_translate_it(api, app, client, kb):
    created = api("POST", "articles", {"title": {"en": "Import one"}, "content": {"en": "<p>Hi<script>x</script></p>"},
                                       "category_id": kb["start"]})
    assert created.status_code == 201
    article = created.json["article"]
    assert article["published"] is False and "<script" not in article["content"]["en"]
    assert article["slug"] == {"en": "import-one"}
    assert client.get(f"/kb/pages/{article['id']}").status_code == 404  # a draft
    patched = api("PATCH", f"articles/{article['id']}", {"published": True, "title": {"de": "Import eins"},
                                                         "content": {"de": "<p>Hallo</p>"}})
    assert patched.status_code == 200
    assert patched.json["article"]["title"] == {"de": "Import eins", "en": "Import one"}  # en kept
    assert client.get(f"/de/kb/pages/{article['id']}-import-eins").status_code == 200
    back = api("PATCH", f"articles/{article['id']}", {"published": False})
    assert back.json["article"]["status"] == "draft"
    assert api("GET", f"articles/{article['id']}").json["article"]["title"]["de"] == "Import eins"
    assert api("GET", f"articles/{article['id']}", language="de").json["article"]["title"] == {"de": "Import eins"}


def test_post_and_patch_errors_are_bare_field_lists(api, kb):
    cases = [
        ({}, "title"),
        ({"title": "plain"}, "title"),
        ({"title": {"de": "Nur Deutsch"}, "category_id": kb["start"]}, "title"),
        ({"title": {"en": "x"}}, "category_id"),
        ({"title": {"en": "x"}, "category_id": kb["book"]}, "category_id"),
        ({"title": {"en": "x"}, "category_id": 9998}, "category_id"),
        ({"title": {"en": "x"}, "category_id": kb["start"], "visibility": "secret"}, "visibility"),
        ({"title": {"en": "x"}, "category_id": kb["start"], "published": "yes"}, "published"),
        ({"title": {"en": "x"}, "category_id": kb["start"], "categories": [1, 2]}, "categories"),
        ({"title": {"en": "x"}, "category_id": kb["start"], "colour": "red"}, "colour"),
        ({"title": {"en": "x"}, "category_id": kb["start"], "content": {"en": "x" * 600_000}}, "content"),
        ({"title": {"en": "Page 0"}, "slug": {"en": "page-0"}, "category_id": kb["start"]}, "slug"),
    ]
    before = _count(api)
    for body, field in cases:
        reply = api("POST", "articles", body)
        assert reply.status_code == 400, body
        assert "status" not in reply.json and isinstance(reply.json[field], list), (body, reply.json)
    assert _count(api) == before  # nothing half-written
    reply = api("POST", "articles", {"title": {"en": "x", "fr": "y"}, "category_id": kb["start"]})
    assert reply.status_code == 422 and reply.json["status"] == "error"
    assert api("PATCH", "articles/1", {"title": {"en": ""}}).status_code == 400
    assert api("PATCH", "articles/99999", {"published": True}).status_code == 404
    assert api("GET", "articles/99999").status_code == 404
    assert api("POST", "articles", None, ).status_code == 400
    bad_json = api.client.open("/v1/articles", method="POST", data="{", headers={"apikey": api.key})
    assert bad_json.status_code == 400 and bad_json.json["status"] == "error"


def _count(api):
    return api("GET", "articles").json["meta"]["items_count"]


def test_link_only_articles_carry_their_share_token(api, client, kb):
    reply = api("POST", "articles", {"title": {"en": "Secret"}, "category_id": kb["start"], "published": True,
                                     "visibility": "link_only"})
    article = reply.json["article"]
    assert article["share_token"] and article["share_url"].endswith(article["share_token"])
    assert client.get(f"/kb/share/{article['share_token']}").status_code == 200
    assert client.get(f"/kb/pages/{article['id']}").status_code == 404


def test_a_known_external_id_updates_instead_of_creating(api, kb):
    body = {"title": {"en": "Release 1"}, "category_id": kb["start"], "external_id": "rel-1"}
    first = api("POST", "articles", body)
    again = api("POST", "articles", {**body, "title": {"en": "Release 1.0"}, "categories": [kb["other"]]})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["article"]["id"] == first.json["article"]["id"]
    assert again.json["article"]["title"]["en"] == "Release 1.0" and again.json["article"]["category_id"] == kb["other"]


def test_categories_list_and_patch(api, kb):
    listed = api("GET", "categories").json
    assert listed["meta"]["items_count"] == 3
    by_id = {c["id"]: c for c in listed["categories"]}
    assert by_id[kb["book"]]["parent"] is None and by_id[kb["start"]]["parent"] == kb["book"]
    assert by_id[kb["start"]]["name"] == {"en": "Start"}
    patched = api("PATCH", f"categories/{kb['start']}", {"name": {"de": "Anfang"}, "description": {"en": "First"}})
    assert patched.status_code == 200
    assert patched.json["category"]["name"] == {"en": "Start", "de": "Anfang"}
    assert patched.json["category"]["description"]["en"] == "First"
    assert api("PATCH", f"categories/{kb['book']}", {"name": {"en": "Handbook"}}).json["category"]["name"]["en"] == "Handbook"
    assert api("PATCH", "categories/99998", {"name": {"en": "x"}}).status_code == 404
    for body, field in (({"name": "x"}, "name"), ({"icon": "star"}, "icon"), ({"parent": kb["start"]}, "parent"),
                        ({"name": {"en": ""}}, "name")):
        reply = api("PATCH", f"categories/{kb['start']}", body)
        assert reply.status_code == 400 and field in reply.json, body
    assert api("PATCH", f"categories/{kb['start']}", {"name": {"es": "x"}}).status_code == 422
    assert api("GET", "categories", limit=0).json["status"] == "validation_error"


def test_sixty_requests_a_minute_per_key_then_429(api):
    replies = [api("GET", "categories").status_code for _ in range(61)]
    assert replies[:60] == [200] * 60 and replies[60] == 429
    assert api("GET", "categories").headers.get("Retry-After")


def test_wrong_verbs_and_unknown_paths_answer_in_json(api):
    assert api("DELETE", "articles/1").status_code == 405
    reply = api("GET", "nothing-here")
    assert reply.status_code == 404 and reply.json["status"] == "error"


def test_import_page_by_page_backup(api, app, kb):
    """The seed's workflows: import drafts, publish by PATCH, back up page by page."""
    ids = [api("POST", "articles", {"title": {"en": f"FAQ {n}"}, "category_id": kb["other"]}).json["article"]["id"]
           for n in range(12)]
    for article_id in ids:
        assert api("PATCH", f"articles/{article_id}", {"published": True}).status_code == 200
    seen, page = [], 1
    while True:
        reply = api("GET", "articles", limit=5, page=page).json
        seen += [a["id"] for a in reply["articles"]]
        if page >= reply["meta"]["total_pages"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 16
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PageTranslation.id))) == 16
        assert db.session.scalar(db.select(db.func.count(Page.id)).where(Page.status == "published")) == 15
