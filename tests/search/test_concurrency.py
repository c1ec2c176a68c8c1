"""Two processes committing at the same time, on one real index folder, lose no document.

With a lock timeout of zero nearly every write finds the lock taken, so this also drives the spool:
spooled changes must be drained by whichever writer holds the lock next."""
import multiprocessing

import pytest
from flask import current_app

from portal.extensions import db
from portal.search import writer as search_writer

PER_PROCESS = 25


def _writer(tmp_path, lock_timeout, barrier, worker):
    from portal.kb.models import Chapter, Page
    from tests.conftest import make_app

    app = make_app(tmp_path, SEARCH_LOCK_TIMEOUT=lock_timeout)
    with app.app_context():
        chapter_id = db.session.scalar(db.select(Chapter.id))
        barrier.wait(timeout=60)
        for number in range(PER_PROCESS):
            db.session.add(Page(chapter_id=chapter_id, name=f"Worker{worker} page {number}", body="concurrent"))
            db.session.commit()
        db.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("lock_timeout", [5.0, 0.0], ids=["wait-for-lock", "spool-when-busy"])
def test_two_processes_writing_at_once_lose_nothing(content, tmp_path, lock_timeout):
    from portal.search.query import search_kb

    content.chapter(content.book())
    db.session.remove()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    workers = [spawn.Process(target=_writer, args=(tmp_path, lock_timeout, barrier, n)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0, 0]

    results = search_kb("concurrent", per_page=100)
    assert results.total == 2 * PER_PROCESS
    expected = {f"Worker{w} page {n}" for w in (1, 2) for n in range(PER_PROCESS)}
    assert {hit.title for hit in results.hits} == expected
    index = current_app.extensions["portico_search"]
    assert index.doc_count("kb") == 2 * PER_PROCESS and search_writer.spooled(index, "kb") == []
