"""Staff pages for a page's languages, publication and revisions."""
import pytest

from portal import settings
from portal.extensions import db
from portal.kb import editing
from portal.kb.models import Page, PageRevision, PageTranslation
from tests import factories


@pytest.fixture
def page_id(app, staff_auth):
    with app.app_context():
        settings.set_value("languages", "en,de")
        staff = factories.staff(role="administrator")
        chapter = editing.save_chapter(staff, editing.save_book(staff, name="Guide"), name="Start")
        page = editing.save_page(staff, chapter, editing.PageInput(name="Getting started", body="<p>One</p>"))
        db.session.commit()
        page_id = page.id
    staff_auth.login()
    return page_id


def test_staff_write_a_translation_with_errors_beside_fields(app, client, page_id):
    form = client.get(f"/staff/kb/pages/{page_id}").get_data(as_text=True)
    assert f"/staff/kb/pages/{page_id}/languages/de" in form and "not translated" in form
    refused = client.post(f"/staff/kb/pages/{page_id}/languages/de", data={"title": "", "body": "x"})
    assert refused.status_code == 400 and "may not be empty" in refused.get_data(as_text=True)
    saved = client.post(f"/staff/kb/pages/{page_id}/languages/de", data={"title": "Erste Schritte", "body": "<p>Eins</p>"})
    assert saved.status_code == 302
    assert client.get(f"/staff/kb/pages/{page_id}/languages/fr").status_code == 404
    with app.app_context():
        row = db.session.execute(db.select(PageTranslation).where(PageTranslation.language == "de")).scalar_one()
        assert (row.title, row.slug, row.body) == ("Erste Schritte", "erste-schritte", "<p>Eins</p>")
    client.post(f"/staff/kb/pages/{page_id}/languages/de/delete")
    client.post(f"/staff/kb/pages/{page_id}/languages/en/delete")  # the default language stays
    with app.app_context():
        assert [r.language for r in db.session.execute(db.select(PageTranslation)).scalars()] == ["en"]


def test_staff_keep_a_draft_share_a_link_and_renew_it(app, client, page_id):
    client.post(f"/staff/kb/pages/{page_id}/publication", data={"status": "draft"})
    with app.app_context():
        assert db.session.get(Page, page_id).status == "draft"
    preview = client.get(f"/kb/pages/{page_id}", follow_redirects=True).get_data(as_text=True)
    assert "Draft preview" in preview  # staff still logged in see the preview
    client.post(f"/staff/kb/pages/{page_id}/publication", data={"status": "published", "visibility": "link_only"})
    with app.app_context():
        token = db.session.get(Page, page_id).share_token
    assert token and token in client.get(f"/staff/kb/pages/{page_id}").get_data(as_text=True)
    client.post(f"/staff/kb/pages/{page_id}/publication", data={"action": "new_link"})
    with app.app_context():
        assert db.session.get(Page, page_id).share_token != token
    refused = client.post(f"/staff/kb/pages/{page_id}/publication", data={"visibility": "everyone"},
                          follow_redirects=True)
    assert "Use public, private or link_only." in refused.get_data(as_text=True)


def test_staff_compare_and_restore_revisions(app, client, page_id):
    client.post(f"/staff/kb/pages/{page_id}", data={"name": "Getting started", "body": "<p>Two</p>"})
    with app.app_context():
        first, second = db.session.execute(db.select(PageRevision.id).order_by(PageRevision.id)).scalars().all()
    listing = client.get(f"/staff/kb/pages/{page_id}/revisions", query_string={"old": first, "new": second})
    text = listing.get_data(as_text=True)
    assert "-&lt;p&gt;One&lt;/p&gt;" in text and "+&lt;p&gt;Two&lt;/p&gt;" in text and "created" in text
    assert client.get(f"/staff/kb/pages/{page_id}/revisions", query_string={"old": 999, "new": second}).status_code == 404
    client.post(f"/staff/kb/pages/{page_id}/revisions/{first}/restore")
    with app.app_context():
        assert db.session.get(Page, page_id).body == "<p>One</p>"
        assert db.session.scalar(db.select(db.func.count(PageRevision.id))) == 3


def test_customers_and_agents_without_the_kb_right_are_refused(app, client, page_id):
    client.post("/staff/logout")
    assert client.get(f"/staff/kb/pages/{page_id}/revisions").status_code in (302, 403)
    assert client.post(f"/staff/kb/pages/{page_id}/publication", data={"status": "draft"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.get(Page, page_id).status == "published"
