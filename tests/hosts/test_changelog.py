"""Each host's search index follows the committed change log (portal.search.changelog): two apps on one
database with their own index folders stand for two hosts. A new host builds its index, then catches up;
a gap in the ids that may still fill in holds the position back; ``flask search status`` shows the lag."""
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.search import changelog
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


def _topic(app, title, body="A first post"):
    with app.app_context():
        topic = factories.topic(factories.forum(f"Forum {title}"), title, body)
        db.session.commit()
        return topic.id


def _found(app, words):
    with app.app_context():
        return [hit.id for hit in search_forums(words).hits]


def test_a_topic_posted_on_one_host_is_found_on_the_other_after_catch_up(app, host_b):
    first = _topic(app, "Zebra marmalade recipe")
    assert _found(app, "marmalade") == [first]  # host A indexed its own commit at once
    with host_b.app_context():
        assert changelog.position() is None
        assert changelog.catch_up() == 0  # a new host: builds its index from the database...
        assert changelog.position() == changelog.newest(db.session)  # ...and follows the log from there
    assert _found(host_b, "marmalade") == [first]
    second = _topic(app, "Quokka grooming")
    assert _found(host_b, "quokka") == []  # not yet applied on B
    with app.app_context():
        assert db.session.scalars(db.select(SearchChange.row_id).where(SearchChange.scope == "topics")
                                  .order_by(SearchChange.id)).all()[-1] == second
    with host_b.app_context():
        assert changelog.catch_up() >= 1
        assert changelog.status(db.session)["behind"] == 0
        assert changelog.catch_up() == 0
    assert _found(host_b, "quokka") == [second]


def test_a_rolled_back_change_writes_no_log_row(app):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(SearchChange.id)))
        factories.topic(factories.forum("Gone"), "Never committed", "nothing")
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count(SearchChange.id))) == before


def test_a_recent_gap_holds_the_position_back_an_old_one_is_passed(app, host_b):
    _topic(app, "Something to build from")
    with host_b.app_context():
        changelog.catch_up()
        start = changelog.position()
        now = changelog._now()
        for offset, age in ((1, 0), (3, 0)):  # id start+2 is missing: a transaction still open, perhaps
            db.session.add(SearchChange(id=start + offset, kind="forums", scope="topics", row_id=999999,
                                        created_at=now - timedelta(seconds=age)))
        db.session.commit()
        assert changelog.catch_up() == 2
        assert changelog.position() == start + 1  # stops before the gap; start+3 is read again next time
        assert changelog.catch_up() == 1 and changelog.position() == start + 1
        db.session.execute(db.update(SearchChange).where(SearchChange.id == start + 3)
                           .values(created_at=now - timedelta(seconds=120)))
        db.session.commit()
        changelog.catch_up()
        assert changelog.position() == start + 3  # an old gap is a rolled-back transaction's: passed


def test_search_status_shows_the_lag(app, host_b):
    _topic(app, "Lag one")
    runner = host_b.test_cli_runner()
    result = runner.invoke(args=["search", "status"])
    assert "change log: this host has applied none" in result.output
    with host_b.app_context():
        changelog.catch_up()
    _topic(app, "Lag two")
    result = runner.invoke(args=["search", "status"])
    assert "2 behind" in result.output, result.output  # the forum and its topic
    result = runner.invoke(args=["search", "catch-up"])
    assert result.exit_code == 0 and "applied" in result.output
    result = runner.invoke(args=["search", "status"])
    assert "0 behind" in result.output and "oldest unapplied none" in result.output


def test_the_worker_catches_up_and_old_rows_are_pruned(app, host_b):
    from portal.outbox.worker import Worker

    with host_b.app_context():
        changelog.catch_up()
    topic_id = _topic(app, "Wombat burrows")
    with host_b.app_context():
        worker = Worker(name="b", echo=lambda line: None)
        worker.catch_up_if_due()
    assert _found(host_b, "wombat") == [topic_id]
    with app.app_context():
        old = changelog._now() + timedelta(days=8)  # as if a week had gone by
        assert changelog.prune(old) >= 1
        assert db.session.scalar(db.select(db.func.count(SearchChange.id))) == 0


def test_a_host_whose_index_its_own_commits_kept_follows_without_a_rebuild(app, host_b, monkeypatch):
    from portal.search import cli

    built = []
    real = cli.rebuild
    monkeypatch.setattr(cli, "rebuild", lambda kind, **kw: built.append(kind) or real(kind, **kw))
    topic_id = _topic(app, "Platypus husbandry")
    with app.app_context():  # host A indexed its own commit: an existing index, upgraded to the change log
        changelog.catch_up()
        assert built == [] and changelog.position() == changelog.newest(db.session)
    with host_b.app_context():  # host B's index is empty: a new host builds
        changelog.catch_up()
        assert sorted(built) == ["forums", "kb", "requests"]
    assert _found(host_b, "platypus") == [topic_id]
