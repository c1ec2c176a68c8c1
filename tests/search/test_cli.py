"""`flask search reindex` and `flask search status`; a missing or damaged index gives SearchUnavailable."""
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import insert

from portal.errors import PortalError
from portal.extensions import db
from portal.search import SearchUnavailable
from portal.search.query import search_forums, search_kb


@pytest.fixture
def kb(content):
    chapter = content.chapter(content.book())
    content.page(chapter, "Printer setup", "printer")
    content.page(chapter, "Scanner setup", "scanner")
    content.topic(content.forum(), "Printer jam", "jammed")
    return chapter


def test_status_reports_counts_and_drift_and_reindex_fixes_it(app, runner, kb):
    from portal.kb.models import Page

    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    assert "kb                 2         2  ok" in result.output
    assert "forums             1         1  ok" in result.output

    # A row written behind the ORM's back (a bulk insert) is invisible to the hooks: drift.
    db.session.execute(insert(Page).values(chapter_id=kb.id, name="Modem setup", body="modem"))
    db.session.commit()
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 1
    assert "kb                 2         3  drift -1" in result.output and "search reindex" in result.output

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "kb: 3 documents indexed" in result.output and "forums: 1 documents indexed" in result.output
    assert runner.invoke(args=["search", "status"]).exit_code == 0
    assert [hit.title for hit in search_kb("modem").hits] == ["Modem setup"]


def _index_files(kind: str) -> list[Path]:
    return list((Path(current_app.config["SEARCH_INDEX_DIR"]) / kind).iterdir())


def test_damaged_index_raises_search_unavailable_and_reindex_repairs(app, runner, kb):
    for path in _index_files("kb"):
        if path.suffix == ".toc":
            path.write_bytes(b"not a table of contents")
    with pytest.raises(SearchUnavailable) as raised:
        search_kb("printer")
    assert isinstance(raised.value, PortalError) and raised.value.status == 503
    assert "search" in raised.value.message.lower()
    assert [hit.title for hit in search_forums("printer").hits] == ["Printer jam"]  # other indexes still work

    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 1 and "unavailable" in result.output
    assert runner.invoke(args=["search", "reindex", "--kind", "kb"]).exit_code == 0
    assert [hit.title for hit in search_kb("printer").hits] == ["Printer setup"]


def test_index_with_missing_files_raises_search_unavailable(app, runner, kb):
    for path in _index_files("kb"):
        if path.suffix == ".toc":
            path.unlink()  # segments left without their table of contents
    with pytest.raises(SearchUnavailable):
        search_kb("printer")
    runner.invoke(args=["search", "reindex"])
    assert search_kb("printer").total == 1

    for path in _index_files("kb"):
        if path.suffix != ".toc" and not path.name.endswith("LOCK"):
            path.unlink()  # a table of contents pointing at segment files that are gone
    with pytest.raises(SearchUnavailable):
        search_kb("printer")


def test_first_use_creates_an_empty_index(app, ctx):
    import shutil

    shutil.rmtree(current_app.config["SEARCH_INDEX_DIR"], ignore_errors=True)
    assert search_kb("anything").total == 0
    assert (Path(current_app.config["SEARCH_INDEX_DIR"]) / "kb").is_dir()


def test_a_damaged_index_does_not_break_commits(app, kb, caplog):
    from portal.kb.models import Page

    for path in _index_files("kb"):
        if path.suffix == ".toc":
            path.write_bytes(b"garbage")
    page = Page(chapter_id=kb.id, name="Modem setup", body="modem")
    db.session.add(page)
    db.session.commit()
    assert db.session.get(Page, page.id) is not None
    assert "search index update failed" in caplog.text


def test_search_unavailable_renders_as_503(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path)

    @app.route("/_probe")
    def probe():
        search_kb("printer")
        return "found"

    kb_folder = tmp_path / "search-index" / "kb"
    kb_folder.mkdir(parents=True)
    (kb_folder / "_MAIN_1.toc").write_bytes(b"damaged")
    response = app.test_client().get("/_probe", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "search" in response.get_json()["error"]["message"].lower()


def _old_schema(kind: str):
    """The schema as versions before PackedPositions built it (Whoosh's pickled positions)."""
    from whoosh.formats import Positions

    from portal.search.schema import SCHEMAS, PackedPositions

    schema = SCHEMAS[kind]()
    for name in schema.names():
        if isinstance(schema[name].format, PackedPositions):
            schema[name].format = Positions(field_boost=schema[name].format.field_boost)
    return schema


def test_an_index_built_by_an_older_version_answers_says_so_and_reindex_updates_it(app, runner, kb, caplog):
    import shutil

    from whoosh import index as whoosh_index

    from portal.kb.models import Page
    from portal.search.documents import apply

    folder = Path(current_app.config["SEARCH_INDEX_DIR"]) / "kb"
    current_app.extensions["portico_search"].close()
    shutil.rmtree(folder)
    folder.mkdir()
    whoosh_index.create_in(str(folder), _old_schema("kb"))
    current_app.extensions["portico_search"].write(
        {"kb": {"pages": {page.id for page in db.session.scalars(db.select(Page))}}}, apply)
    content_page = db.session.scalars(db.select(Page)).first()
    content_page.body = "reset your printer password"
    db.session.commit()  # a hook writes to the old index with its own schema

    assert [hit.title for hit in search_kb('"printer password"').hits] == [content_page.name]  # Whoosh's path
    assert [hit.title for hit in search_kb("printer").hits] == ["Printer setup"]
    assert "built by an older version" in caplog.text and "search reindex" in caplog.text
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 1
    assert "kb                 2         2  outdated" in result.output and "search reindex" in result.output

    assert runner.invoke(args=["search", "reindex", "--kind", "kb"]).exit_code == 0
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0, result.output
    assert [hit.title for hit in search_kb('"printer password"').hits] == [content_page.name]
    assert (search_kb('"printer password"').total, search_kb('"printer password"').total_is_estimate) == (1, False)
