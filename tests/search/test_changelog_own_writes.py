"""A host does not apply its own search changes twice (issue 16's remainder): change-log rows carry the id
of the index that wrote them in-process, and that index's catch-up skips them, unless it was rebuilt since
(a new id), its in-process write failed, or its folder turned up on another machine. Two apps on one database
with their own index folders stand for two hosts."""
import pytest

from portal.extensions import db
from portal.search import changelog, documents
from portal.search.changelog import SearchChange
from portal.search.query import search_forums
from tests import factories
from tests.conftest import make_app, release

pytestmark = pytest.mark.own_database  # two apps, two sessions, real commits


@pytest.fixture
def host_b(app, tmp_path):
    other = make_app(tmp_path / "b", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     SEARCH_INDEX_DIR=str(tmp_path / "b" / "search-index"), UPLOAD_DIR=str(tmp_path / "b" / "up"))
    yield other
    release(other)


@pytest.fixture
def writes(monkeypatch):
    """Every index write (documents.apply: one per index and write), as (kind, changes)."""
    seen = []
    real = documents.apply
    monkeypatch.setattr(documents, "apply", lambda kind, writer, changes: seen.append((kind, changes))
                        or real(kind, writer, changes))
    return seen


def _topic(app, title, body="A first post"):
    with app.app_context():
        topic = factories.topic(factories.forum(f"Forum {title}"), title, body)
        db.session.commit()
        return topic.id


def _found(app, words):
    with app.app_context():
        return [hit.id for hit in search_forums(words).hits]


def _ready(*apps):
    for each in apps:
        with each.app_context():
            changelog.catch_up()


def test_a_host_skips_its_own_rows_and_applies_the_other_hosts(app, host_b, writes):
    _ready(app, host_b)
    with app.app_context():
        mine = changelog.host_id()
    with host_b.app_context():
        theirs = changelog.host_id()
    assert mine and theirs and mine != theirs
    topic_id = _topic(app, "Zebra marmalade recipe")
    assert _found(app, "marmalade") == [topic_id]  # written in-process at the commit
    with app.app_context():
        rows = db.session.scalars(db.select(SearchChange).where(SearchChange.id > changelog.position())).all()
        assert rows and {row.host for row in rows} == {mine}
        writes.clear()
        assert changelog.catch_up() == len(rows)  # read...
        assert writes == []  # ...but not written again
        assert changelog.position() == changelog.newest(db.session)
    with host_b.app_context():
        writes.clear()
        assert changelog.catch_up() == len(rows)
        assert [kind for kind, _ in writes] == ["forums"]  # host B applies host A's change once
    assert _found(host_b, "marmalade") == [topic_id]
    other = _topic(host_b, "Quokka grooming")
    with app.app_context():
        writes.clear()
        changelog.catch_up()
        assert [kind for kind, _ in writes] == ["forums"]
    assert _found(app, "quokka") == [other]


def test_after_a_rebuild_rows_of_the_old_id_are_applied(app, writes):
    _ready(app)
    with app.app_context():
        before, start = changelog.host_id(), changelog.position()
    topic_id = _topic(app, "Platypus husbandry")
    with app.app_context():
        changelog.new_host_id()  # what a rebuild does; say the old index was replaced by an older copy
        assert changelog.host_id() != before
        changelog.save_position(start)
        writes.clear()
        changelog.catch_up()
        assert [(kind, changes["topics"]) for kind, changes in writes] == [("forums", {topic_id})]


def test_reindex_gives_the_index_a_new_id(app, runner, writes):
    _ready(app)
    with app.app_context():
        before = changelog.host_id()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert changelog.host_id() not in (None, before)


def test_a_failed_in_process_write_is_applied_by_the_next_catch_up(app, monkeypatch, writes):
    _ready(app)
    index = app.extensions["portico_search"]
    real = index.write

    def broken(changes, apply):
        raise OSError("disk full")

    monkeypatch.setattr(index, "write", broken)
    topic_id = _topic(app, "Wombat burrows")
    monkeypatch.setattr(index, "write", real)
    assert _found(app, "wombat") == []
    with app.app_context():
        assert changelog._replay_until(index) == changelog.newest(db.session)
        changelog.catch_up()
        assert changelog._replay_until(index) is None  # passed: later own rows are skipped again
    assert _found(app, "wombat") == [topic_id]
    _topic(app, "Numbat diet")
    with app.app_context():
        writes.clear()
        changelog.catch_up()
        assert writes == []


def test_an_index_folder_from_another_machine_skips_nothing(app, monkeypatch, writes):
    _ready(app)
    with app.app_context():
        assert changelog.host_id() is not None
    monkeypatch.setattr(changelog.socket, "gethostname", lambda: "a-cloned-disk")
    app.extensions["portico_search"]._changelog_host = None
    with app.app_context():
        assert changelog.host_id() is None  # a copied folder's id is not this machine's
    topic_id = _topic(app, "Echidna spines")
    with app.app_context():
        rows = db.session.scalars(db.select(SearchChange.host).where(SearchChange.id > changelog.position())).all()
        assert rows and set(rows) == {None}
        writes.clear()
        changelog.catch_up()  # applies the untagged rows, and gives this machine's index its own id
        assert [kind for kind, _ in writes] == ["forums"]
        assert changelog.host_id() is not None
    assert _found(app, "echidna") == [topic_id]
