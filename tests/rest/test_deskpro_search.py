"""DeskPRO v2 ``search?q=&types=`` over Portico's search: tickets, articles, people, grouped by type."""
from portal.extensions import db
from tests import factories


def seed(app):
    with app.app_context():
        chapter = factories.chapter(factories.book("Manual"), "Install")
        public = factories.page(chapter, "Toaster setup", "<p>How to set up the toaster.</p>")
        draft = factories.page(chapter, "Toaster recall", "<p>Internal toaster notes.</p>", hidden=True)
        secret = factories.page(factories.chapter(factories.book("Staff", private=True), "Notes"),
                                "Toaster pricing", "<p>toaster margins</p>")
        db.session.commit()
        ticket = factories.request_row("Toaster broke", "My toaster is smoking", "toast@example.com")
        trashed = factories.request_row("Toaster again", "toaster trash", "toast@example.com", trashed=True)
        factories.customer("toast@example.com")
        db.session.commit()
        return {"public": public.id, "draft": draft.id, "secret": secret.id, "ticket": ticket.id,
                "trashed": trashed.id}


def groups(response):
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"data", "meta", "linked"}
    return {group["type"]: group["results"] for group in body["data"]["grouped_results"]}


def test_search_every_type(app, deskpro):
    ids = seed(app)
    found = groups(deskpro.get("search", q="toaster"))
    assert list(found) == ["ticket", "article", "person"]
    assert [t["id"] for t in found["ticket"]] == [ids["ticket"]]
    assert found["ticket"][0]["subject"] == "Toaster broke"
    assert {a["id"] for a in found["article"]} == {ids["public"], ids["draft"], ids["secret"]}
    assert groups(deskpro.get("search", q="toast@"))["person"][0]["primary_email"] == "toast@example.com"


def test_types_and_count(app, deskpro):
    seed(app)
    found = groups(deskpro.get("search", q="toaster", types="ticket"))
    assert list(found) == ["ticket"]
    found = groups(deskpro.get("search", q="toaster", types="articles,people", count="1"))
    assert list(found) == ["article", "person"] and len(found["article"]) == 1


def test_bad_parameters_name_the_field(deskpro):
    for query, field in (({}, "q"), ({"q": "x" * 201}, "q"), ({"q": "x", "types": "organization"}, "types"),
                         ({"q": "x", "count": "0"}, "count"), ({"q": "x", "count": "51"}, "count")):
        response = deskpro.get("search", **query)
        assert response.status_code == 400, query
        assert field in response.get_json()["errors"]["fields"]


def test_visibility_follows_the_keys_staff_member(app, make_key, client):
    from portal.accounts import models
    from tests.rest.conftest import DeskPro

    ids = seed(app)
    key = make_key("mod@example.com", role="moderator")  # no requests right
    found = groups(DeskPro(client, key).get("search", q="toaster"))
    assert found["ticket"] == [] and found["person"] == []
    saved = models.PERMISSIONS["moderator"]
    models.PERMISSIONS["moderator"] = saved - {"kb"}
    try:
        found = groups(DeskPro(client, key).get("search", q="toaster", types="article"))
        assert [a["id"] for a in found["article"]] == [ids["public"]]
    finally:
        models.PERMISSIONS["moderator"] = saved
