"""HappyFox 1.1's read-only KB: sections (chapters, with their book) and articles (pages), visibility-safe."""
import pytest

from portal.accounts import models as account_models
from portal.extensions import db
from tests import factories


@pytest.fixture
def books(app):
    with app.app_context():
        manual = factories.book("Manual", position=1)
        start = factories.chapter(manual, "Start", position=1)
        drafts = factories.chapter(manual, "Drafts", position=2, hidden=True)
        secret = factories.book("Internal", position=2, private=True)
        ops = factories.chapter(secret, "Ops")
        ids = {"install": factories.page(start, "Install", body="<p>Run it</p>", tags=["setup"]).id,
               "hidden": factories.page(start, "Unfinished", hidden=True).id,
               "draft": factories.page(drafts, "Draft page").id,
               "ops": factories.page(ops, "Root passwords").id,
               "start": start.id, "drafts": drafts.id, "opsc": ops.id, "manual": manual.id}
        db.session.commit()
        return ids


@pytest.fixture
def customer_eyes(monkeypatch):
    """Keys whose staff member lacks the kb right see what customers see."""
    changed = {role: rights - {"kb"} for role, rights in account_models.PERMISSIONS.items()}
    monkeypatch.setattr(account_models, "PERMISSIONS", changed)


def test_staff_with_the_kb_right_see_everything(app, happyfox, books):
    sections = happyfox.get("kb/sections/").get_json()
    assert [(s["book"]["name"], s["name"], s["public"]) for s in sections] == [
        ("Manual", "Start", True), ("Manual", "Drafts", False), ("Internal", "Ops", False)]
    assert [a["title"] for a in sections[0]["articles"]] == ["Install", "Unfinished"]
    assert sections[0]["articles"][0] == {"id": books["install"], "title": "Install", "contents": "<p>Run it</p>"}
    one = happyfox.get(f"kb/section/{books['opsc']}").get_json()
    assert one["name"] == "Ops" and one["articles"][0]["title"] == "Root passwords"
    article = happyfox.get(f"kb/article/{books['install']}/").get_json()
    assert article["section"] == {"id": books["start"], "name": "Start"} and article["tags"] == ["setup"]
    assert article["public"] is True and happyfox.get(f"kb/article/{books['ops']}/").get_json()["public"] is False
    listed = happyfox.get("kb/articles/").get_json()
    assert listed["page_info"]["count"] == 4 and [a["title"] for a in listed["data"]][0] == "Install"


def test_without_the_kb_right_only_what_customers_read(app, happyfox, books, customer_eyes):
    sections = happyfox.get("kb/sections/").get_json()
    assert [(s["name"], [a["title"] for a in s["articles"]]) for s in sections] == [("Start", ["Install"])]
    for path in (f"kb/section/{books['drafts']}/", f"kb/section/{books['opsc']}/", f"kb/article/{books['ops']}/",
                 f"kb/article/{books['hidden']}/", f"kb/article/{books['draft']}/", "kb/article/99999/",
                 "kb/section/99999/"):
        response = happyfox.get(path)
        assert response.status_code == 404 and "error" in response.get_json(), path
    listed = happyfox.get("kb/articles/").get_json()
    assert [a["title"] for a in listed["data"]] == ["Install"] and listed["page_info"]["count"] == 1
    assert happyfox.get("kb/articles/", section=books["opsc"]).get_json()["data"] == []


def test_articles_page_and_filter(app, happyfox, books):
    first = happyfox.get("kb/articles/", size=1, section=books["start"]).get_json()
    assert first["page_info"] == {"count": 2, "page_count": 2, "start_index": 1, "end_index": 1, "last_index": 2}
    for bad in ({"size": "0"}, {"section": "x"}, {"page": "-1"}):
        assert happyfox.get("kb/articles/", **bad).status_code == 400


def test_kb_is_read_only(app, happyfox, books):
    response = happyfox.post(f"kb/article/{books['install']}/", {"title": "Hacked"})
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
