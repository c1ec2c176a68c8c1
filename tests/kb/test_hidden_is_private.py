"""Page.hidden folded into visibility (kbtrans_0010): a hidden page became private; ``hidden`` is now only
a name for "private" (the staff form's checkbox, DeskPRO's hidden status), read and written through it."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import settings
from portal.extensions import db
from portal.kb import editing, services
from portal.kb.models import Chapter, Page
from tests import factories
from tests.conftest import POSTGRES_URL, fresh_postgres_database, make_app

# (name, hidden, visibility before) -> visibility after: hidden wins, so no page becomes readable by more people
ROWS = [("open", False, "public", "public"), ("hidden", True, "public", "private"),
        ("hidden link", True, "link_only", "private"), ("link", False, "link_only", "link_only"),
        ("private", False, "private", "private"), ("both", True, "private", "private")]


def _migrate_existing_rows(tmp_path, url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="slang_0009")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO book (id, name, position, private, description) "
                                    "VALUES (1, 'Guide', 1, false, '')"))
            connection.execute(text("INSERT INTO chapter (id, book_id, name, position, appendix, hidden) "
                                    "VALUES (1, 1, 'Start', 1, false, false)"))
            for n, (name, hidden, visibility, _) in enumerate(ROWS, start=1):
                connection.execute(text(
                    "INSERT INTO page (id, chapter_id, name, body, created_at, updated_at, position, hidden, "
                    "highlight, helpful, not_helpful, status, visibility, share_token) VALUES (:id, 1, :name, '', "
                    "'2025-01-01 00:00:00', '2025-01-01 00:00:00', :id, :hidden, false, 0, 0, 'published', "
                    ":visibility, :token)"),
                    {"id": n, "name": name, "hidden": hidden, "visibility": visibility,
                     "token": f"token-{n}" if visibility == "link_only" else None})
        upgrade(revision="kbtrans_0010")
        with db.engine.connect() as connection:
            after = dict(connection.execute(text("SELECT name, visibility FROM page")).all())
            columns = list(connection.execute(text("SELECT * FROM page LIMIT 1")).keys())
        downgrade(revision="slang_0009")
        with db.engine.connect() as connection:
            back = {name: bool(hidden) for name, hidden in connection.execute(text("SELECT name, hidden FROM page"))}
        downgrade(revision="base")
        db.engine.dispose()
    return after, columns, back


def _check(after, columns, back):
    assert after == {name: wanted for name, _, _, wanted in ROWS}
    assert "hidden" not in columns and "visibility" in columns
    assert back == {name: wanted == "private" for name, _, _, wanted in ROWS}


def test_the_migration_makes_hidden_pages_private_on_sqlite(tmp_path):
    _check(*_migrate_existing_rows(tmp_path, f"sqlite:///{tmp_path / 'hidden.db'}"))


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
def test_the_migration_makes_hidden_pages_private_on_postgres(tmp_path):
    with fresh_postgres_database("portico_hidden") as url:
        _check(*_migrate_existing_rows(tmp_path, url))


@pytest.fixture
def chapter_id(app):
    with app.app_context():
        settings.set_value("languages", "en")
        admin = factories.staff(role="administrator")
        chapter = editing.save_chapter(admin, editing.save_book(admin, name="Guide"), name="Start")
        db.session.commit()
        return chapter.id


def test_hidden_reads_and_writes_the_visibility(app, chapter_id):
    with app.app_context():
        admin = factories.staff("second@example.com", role="administrator")
        chapter = editing.get(Chapter, chapter_id)
        page = editing.save_page(admin, chapter, editing.PageInput(name="Secret", hidden=True))
        assert (page.visibility, page.hidden) == ("private", True)
        editing.save_page(admin, chapter, editing.PageInput(name="Secret", hidden=False), page)
        assert (page.visibility, page.hidden) == ("public", False)  # the checkbox cleared
        editing.publish(admin, page, visibility="link_only")
        editing.save_page(admin, chapter, editing.PageInput(name="Secret", hidden=False), page)
        assert page.visibility == "link_only" and page.share_token  # a link-only page stays so
        editing.save_page(admin, chapter, editing.PageInput(name="Secret", hidden=False, visibility="private"), page)
        assert page.hidden  # a visibility named outright wins
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Page).where(Page.hidden)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(Page).where(Page.hidden.is_(False))) == 0


def test_a_page_hidden_on_the_staff_form_is_private_for_customers(app, client, chapter_id, staff_auth):
    staff_auth.login()
    reply = client.post(f"/staff/kb/chapters/{chapter_id}/pages/new", data={"name": "Internal", "body": "<p>x</p>",
                                                                            "hidden": "1"})
    assert reply.status_code == 302
    with app.app_context():
        page = db.session.execute(db.select(Page)).scalar_one()
        assert page.visibility == "private"
        page_id = page.id
    staff_page = client.get(f"/staff/kb/pages/{page_id}").get_data(as_text=True)
    assert "<strong>private</strong>" in staff_page  # the publication box says the same thing
    staff_auth.logout()
    assert client.get(f"/kb/pages/{page_id}").status_code == 404
    with app.app_context():
        assert services.page_is_public(page_id) is False


def test_a_bulk_update_of_hidden_follows_the_setters_rule(app):
    """``update(Page).values(hidden=...)`` writes visibility as the setter does (it once wrote the comparison
    itself: an error on PostgreSQL, a silent 0 or 1 in the column on SQLite)."""
    from sqlalchemy import update

    with app.app_context():
        chapter = factories.chapter(factories.book("Guide"), "Start")
        public, linked = factories.page(chapter, "Public"), factories.page(chapter, "Linked")
        linked.visibility = "link_only"
        db.session.commit()
        db.session.execute(update(Page).where(Page.id == public.id).values(hidden=True))
        db.session.execute(update(Page).where(Page.id == linked.id).values(hidden=False))
        db.session.commit()
        db.session.expire_all()
        assert (public.visibility, linked.visibility) == ("private", "link_only")
        db.session.execute(update(Page).where(Page.chapter_id == chapter.id).values(hidden=False))
        db.session.commit()
        db.session.expire_all()
        assert (public.visibility, linked.visibility) == ("public", "link_only")
