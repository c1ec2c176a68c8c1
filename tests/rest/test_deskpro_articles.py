"""DeskPRO v2 ``articles`` (KB pages) and ``article_categories`` (books and chapters as one tree)."""
import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.kb.models import Book, Chapter, Page
from tests import factories


@pytest.fixture
def shelf(app, make_staff):
    """A public book with a chapter and a page, a hidden page, a hidden chapter and a private book; the
    agent (the ``deskpro`` key's owner) edits both books."""
    with app.app_context():
        agent_id = db.session.execute(db.select(Staff.id).where(Staff.email == "agent@example.com")).scalar()
    agent_id = agent_id or make_staff("agent@example.com")
    with app.app_context():
        book = factories.book("Manual")
        chapter = factories.chapter(book, "Install")
        page = factories.page(chapter, "Clean Upgrade", tags=["upgrade"], helpful=3, not_helpful=1)
        draft = factories.page(chapter, "Draft page", hidden=True)
        secret_chapter = factories.chapter(book, "Internal", hidden=True)
        secret_book = factories.book("Staff only", private=True)
        secret_page = factories.page(factories.chapter(secret_book, "Notes"), "Secret")
        book.editors = secret_book.editors = [db.session.get(Staff, agent_id)]
        db.session.commit()
        return {"book": book.id, "chapter": chapter.id, "page": page.id, "draft": draft.id,
                "secret_chapter": secret_chapter.id, "secret_book": secret_book.id, "secret_page": secret_page.id}


def cat_book(book_id):
    return 2 * book_id - 1


def cat_chapter(chapter_id):
    return 2 * chapter_id


def test_get_article_shape(deskpro, shelf):
    body = deskpro.get(f"articles/{shelf['page']}").get_json()
    assert set(body) == {"data", "meta", "linked"}
    data = body["data"]
    assert data["id"] == shelf["page"] and data["title"] == "Clean Upgrade"
    assert data["status"] == "published" and data["hidden_status"] is None
    assert data["categories"] == [cat_chapter(shelf["chapter"])]
    assert data["num_ratings"] == 4 and data["total_rating"] == 2 and data["view_count"] == 0
    assert data["labels"] == ["upgrade"] and "HTML body" in data["content"]
    draft = deskpro.get(f"articles/{shelf['draft']}").get_json()["data"]
    assert draft["status"] == "hidden" and draft["hidden_status"] == "draft"


def test_list_filters_pages_and_counts(deskpro, shelf):
    body = deskpro.get("articles", order_by="id", order_dir="asc").get_json()
    assert [a["id"] for a in body["data"]] == [shelf["page"], shelf["draft"], shelf["secret_page"]]
    assert body["meta"]["total"] == 3 and "links" in body
    assert [a["id"] for a in deskpro.get("articles", status="published", order_dir="asc").get_json()["data"]] \
        == [shelf["page"], shelf["secret_page"]]
    in_chapter = deskpro.get("articles", category=str(cat_chapter(shelf["chapter"]))).get_json()["data"]
    assert {a["id"] for a in in_chapter} == {shelf["page"], shelf["draft"]}
    in_book = deskpro.get("articles", category=str(cat_book(shelf["secret_book"]))).get_json()["data"]
    assert [a["id"] for a in in_book] == [shelf["secret_page"]]
    paged = deskpro.get("articles", count="1", page="2", order_dir="asc").get_json()
    assert [a["id"] for a in paged["data"]] == [shelf["draft"]] and paged["meta"]["total_pages"] == 3
    assert deskpro.get("articles/counts").get_json()["data"] == {"total": 3, "status": {"published": 2,
                                                                                        "hidden": 1}}
    bad = deskpro.get("articles", status="nope")
    assert bad.status_code == 400 and "status" in bad.get_json()["errors"]["fields"]
    assert deskpro.get("articles", order_by="nope").status_code == 400
    assert deskpro.get("articles/999999").status_code == 404


def test_create_update_delete_article(app, deskpro, shelf):
    chapter = cat_chapter(shelf["chapter"])
    response = deskpro("POST", "articles", body={"title": "New", "content": "<p>Hi<script>x</script></p>",
                                                 "status": "hidden.draft", "categories": [chapter],
                                                 "labels": ["alpha"]})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/api/v2/articles/{data['id']}")
    assert data["status"] == "hidden" and data["hidden_status"] == "draft" and "script" not in data["content"]
    assert data["categories"] == [chapter] and data["labels"] == ["alpha"]
    # update: publish, rename, move to another chapter (204, then 200 with follow_location)
    other = cat_chapter(shelf["secret_chapter"])
    response = deskpro("PUT", f"articles/{data['id']}", body={"status": "published", "categories": [other]})
    assert response.status_code == 204 and response.headers["Location"].endswith(f"articles/{data['id']}")
    response = deskpro("POST", f"articles/{data['id']}", body={"title": "Renamed"}, follow_location="1")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["title"], data["status"], data["categories"], data["labels"]) == ("Renamed", "published",
                                                                                   [other], ["alpha"])
    assert "Hi" in data["content"]
    assert deskpro("DELETE", f"articles/{data['id']}").status_code == 200
    assert deskpro.get(f"articles/{data['id']}").status_code == 404
    with app.app_context():
        assert db.session.get(Page, data["id"]) is None


def test_article_field_errors(deskpro, shelf):
    response = deskpro("POST", "articles", body={"content": "x", "categories": [cat_book(shelf["book"])],
                                                 "status": "weird", "colour": "red"})
    assert response.status_code == 400
    fields = response.get_json()["errors"]["fields"]
    assert {"title", "categories", "status"} <= set(fields)
    assert response.get_json()["errors"]["errors"][0]["code"] == "extra_fields"
    missing = deskpro("POST", "articles", body={"title": "x", "categories": [cat_chapter(999999)]})
    assert missing.status_code == 400 and "categories" in missing.get_json()["errors"]["fields"]
    assert deskpro("POST", "articles", body={"title": "x"}).get_json()["errors"]["fields"]["categories"]
    blank = deskpro("PUT", f"articles/{shelf['page']}", body={"title": "   ", "content": 5})
    assert blank.status_code in (204, 400)
    assert deskpro("PUT", "articles/999999", body={"title": "x"}).status_code == 404
    assert deskpro("POST", "articles", raw="{nope").get_json()["code"] == "invalid_json_body"


def test_category_tree_create_update_delete(app, client, make_key, shelf):
    from .conftest import DeskPro

    agent = DeskPro(client, make_key())
    assert agent("POST", "article_categories", body={"title": "Mine"}).status_code == 403  # books: administrators
    deskpro = DeskPro(client, make_key("boss@example.com", role="administrator"))
    body = deskpro.get("article_categories").get_json()
    rows = {r["id"]: r for r in body["data"]}
    assert rows[cat_book(shelf["book"])]["parent"] is None
    assert rows[cat_chapter(shelf["chapter"])]["parent"] == cat_book(shelf["book"])
    assert cat_book(shelf["secret_book"]) in rows and cat_chapter(shelf["secret_chapter"]) in rows
    children = deskpro.get("article_categories", parent=str(cat_book(shelf["book"]))).get_json()["data"]
    assert {r["id"] for r in children} == {cat_chapter(shelf["chapter"]), cat_chapter(shelf["secret_chapter"])}
    assert deskpro.get("article_categories/counts").get_json()["data"]["total"] == len(rows)
    top = deskpro("POST", "article_categories", body={"title": "Guides"})
    assert top.status_code == 201
    top_id = top.get_json()["data"]["id"]
    assert top_id % 2 == 1 and top.get_json()["data"]["parent"] is None
    child = deskpro("POST", "article_categories", body={"title": "Setup", "parent": top_id})
    assert child.status_code == 201 and child.get_json()["data"]["parent"] == top_id
    child_id = child.get_json()["data"]["id"]
    assert deskpro.get(f"article_categories/{child_id}").get_json()["data"]["title"] == "Setup"
    response = deskpro("PUT", f"article_categories/{child_id}", body={"title": "Set up"}, follow_location="1")
    assert response.status_code == 200 and response.get_json()["data"]["title"] == "Set up"
    assert deskpro("PUT", f"article_categories/{top_id}", body={"title": "All guides"}).status_code == 204
    bad = deskpro("POST", "article_categories", body={"title": "x", "parent": child_id})
    assert bad.status_code == 400 and "parent" in bad.get_json()["errors"]["fields"]
    assert deskpro("POST", "article_categories", body={}).status_code == 400
    assert deskpro("DELETE", f"article_categories/{top_id}").status_code == 200
    assert deskpro.get(f"article_categories/{child_id}").status_code == 404
    with app.app_context():
        assert db.session.get(Book, (top_id + 1) // 2) is None and db.session.get(Chapter, child_id // 2) is None
    assert deskpro.get("article_categories/999999").status_code == 404


def test_key_without_kb_right_sees_only_what_customers_see(app, make_key, client, shelf):
    from tests.rest.conftest import DeskPro

    key = make_key("nokb@example.com", role="agent")
    with app.app_context():
        staff = db.session.execute(db.select(Staff).where(Staff.email == "nokb@example.com")).scalar_one()
        staff.role = "administrator"
        db.session.commit()
    # Take the kb right away from administrators for this test only.
    from portal.accounts import models
    saved = models.PERMISSIONS["administrator"]
    models.PERMISSIONS["administrator"] = saved - {"kb"}
    try:
        deskpro = DeskPro(client, key)
        listed = {a["id"] for a in deskpro.get("articles").get_json()["data"]}
        assert listed == {shelf["page"]}
        for hidden in ("draft", "secret_page"):
            assert deskpro.get(f"articles/{shelf[hidden]}").status_code == 404
        tree = {r["id"] for r in deskpro.get("article_categories").get_json()["data"]}
        assert tree == {cat_book(shelf["book"]), cat_chapter(shelf["chapter"])}
        assert deskpro.get(f"article_categories/{cat_book(shelf['secret_book'])}").status_code == 404
        response = deskpro("POST", "articles", body={"title": "x", "categories": [cat_chapter(shelf["chapter"])]})
        assert response.status_code == 403
        assert deskpro("DELETE", f"articles/{shelf['page']}").status_code == 403
    finally:
        models.PERMISSIONS["administrator"] = saved


def test_read_only_key_and_tags(make_key, client, shelf):
    from tests.rest.conftest import DeskPro

    reader = DeskPro(client, make_key("reader@example.com", read_only=True))
    assert reader.get("articles").status_code == 200
    assert reader("POST", "articles", body={"title": "x"}).status_code == 403
    no_delete = DeskPro(client, make_key("tags@example.com", tags="articles.*, -*.delete"))
    assert no_delete("DELETE", f"articles/{shelf['page']}").status_code == 403
    assert no_delete.get("article_categories").status_code == 200


def test_view_count_is_the_pages_views_in_the_portal(deskpro, shelf, client):
    for _ in range(2):
        client.get(f"/kb/pages/{shelf['page']}", follow_redirects=True)
    assert deskpro.get(f"articles/{shelf['page']}").get_json()["data"]["view_count"] == 2
    listed = {a["id"]: a["view_count"] for a in deskpro.get("articles").get_json()["data"]}
    assert listed[shelf["page"]] == 2 and listed[shelf["draft"]] == 0
