"""DeskPRO's temp blobs (``POST /blobs/temp``) past their 24 hours are purged by the worker's prune: the rows,
and each stored file nothing else holds (a request's or a KB page's attachment, or another blob, with the same
bytes keeps it: the store is content-addressed). On the local directory and on S3 (moto's server)."""
from datetime import timedelta

import pytest

from portal import files, storage
from portal.dates import utcnow
from portal.extensions import db
from portal.outbox import services
from portal.outbox.worker import Worker
from portal.requests.models import Attachment, Note
from portal.requests.services import RequestInput, create_request
from portal.rest.deskpro.blobs import PURGE_BATCH, TempBlob, purge_expired
from tests import factories
from tests.hosts.conftest import bucket, s3_env, s3_server  # noqa: F401  (moto's S3 server, for the last test)


def _blob(staff, data: bytes, hours_old: float) -> TempBlob:
    row = TempBlob(auth=f"auth-{len(data)}-{hours_old}-{data[:8].hex()}", staff_id=staff.id, filename="f.txt",
                   mime_type="text/plain", size=len(data), sha256=files.store(data),
                   created_at=utcnow() - timedelta(hours=hours_old))
    db.session.add(row)
    db.session.flush()
    return row


def _scene():
    """Four blobs: one expired alone, one expired whose bytes a request holds, one expired whose bytes a live
    blob holds, that live blob, and one live on its own."""
    staff = factories.staff("zap@example.com", role="agent")
    req = create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    shared_with_request = b"bytes a request also holds"
    note = db.session.scalars(db.select(Note).where(Note.request_id == req.id)).first()
    db.session.add(Attachment(note_id=note.id, filename="a.txt", mime_type="text/plain",
                              size=len(shared_with_request), sha256=files.store(shared_with_request)))
    rows = {"alone": _blob(staff, b"expired, nobody else", 25),
            "with_request": _blob(staff, shared_with_request, 30),
            "with_live_blob": _blob(staff, b"two blobs hold these", 48),
            "live_twin": _blob(staff, b"two blobs hold these", 1),
            "live": _blob(staff, b"uploaded an hour ago", 1)}
    db.session.commit()
    return {name: (row.id, row.sha256) for name, row in rows.items()}


def _left():
    db.session.expire_all()
    return set(db.session.scalars(db.select(TempBlob.id)))


def test_expired_blobs_and_their_unshared_files_are_purged(ctx):
    scene = _scene()
    assert purge_expired() == {"temp_blob": 3, "temp_blob_file": 1}
    assert _left() == {scene["live_twin"][0], scene["live"][0]}
    assert not storage.current().exists(scene["alone"][1])  # nothing else held those bytes
    for kept in ("with_request", "with_live_blob", "live"):
        assert storage.current().exists(scene[kept][1]), kept
    assert purge_expired() == {"temp_blob": 0, "temp_blob_file": 0}


def test_the_worker_purges_them_with_its_prune(app, ctx):
    scene = _scene()
    lines = []
    app.config["OUTBOX_PRUNE_EVERY"] = 3600
    Worker(name="w", echo=lines.append).prune_if_due()
    assert lines == ["pruned 3 temp_blob, 1 temp_blob_file"]
    assert _left() == {scene["live_twin"][0], scene["live"][0]}
    assert services.prune()["temp_blob"] == 0


def test_a_big_backlog_goes_in_batches(ctx, monkeypatch):
    import portal.rest.deskpro.blobs as blobs

    monkeypatch.setattr(blobs, "PURGE_BATCH", 2)
    staff = factories.staff("zap@example.com", role="agent")
    for n in range(5):
        _blob(staff, f"file {n}".encode(), 25 + n)
    db.session.commit()
    assert purge_expired() == {"temp_blob": 5, "temp_blob_file": 5} and _left() == set()
    assert PURGE_BATCH > 2


def test_a_file_that_cannot_be_deleted_is_left_and_the_rows_go(ctx, monkeypatch):
    staff = factories.staff("zap@example.com", role="agent")
    digest = _blob(staff, b"stuck", 25).sha256
    db.session.commit()

    def refuse(self, sha256):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage.LocalStorage, "delete", refuse)
    assert purge_expired() == {"temp_blob": 1, "temp_blob_file": 0}
    assert _left() == set() and storage.current().exists(digest)


@pytest.mark.usefixtures("ctx")
def test_on_s3_the_objects_are_deleted(bucket, app):
    endpoint, name, client = bucket
    app.config.update(STORAGE_URL=f"s3://{name}/site-a", STORAGE_S3_ENDPOINT=endpoint)
    scene = _scene()
    assert purge_expired() == {"temp_blob": 3, "temp_blob_file": 1}
    keys = {o["Key"].rsplit("/", 1)[1] for o in client.list_objects_v2(Bucket=name)["Contents"]}
    assert scene["alone"][1] not in keys
    assert {scene[kept][1] for kept in ("with_request", "with_live_blob", "live")} <= keys
