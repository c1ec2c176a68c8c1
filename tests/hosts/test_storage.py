"""Attachments through portal.storage: the local directory (default) and S3-compatible object storage, the
latter against moto's standalone server (real HTTP) started by the tests."""
import hashlib

import pytest

from portal import files, storage
from portal.extensions import db
from portal.files import StorageError, Upload
from portal.requests.models import Attachment
from tests import factories
from tests.conftest import free_port, make_app, release


@pytest.fixture
def s3_app(bucket, app, ctx):
    endpoint, name, client = bucket
    app.config.update(STORAGE_URL=f"s3://{name}/site-a", STORAGE_S3_ENDPOINT=endpoint)
    return app, name, client


def test_the_default_is_the_local_directory(ctx, app):
    assert isinstance(storage.current(), storage.LocalStorage)
    digest = files.store(b"hello")
    assert digest == hashlib.sha256(b"hello").hexdigest()
    assert files.path_for(digest).read_bytes() == b"hello" and files.read(digest) == b"hello"
    assert oct(files.path_for(digest).stat().st_mode & 0o777) == "0o640"
    with pytest.raises(FileNotFoundError):
        files.read("0" * 64)
    with pytest.raises(ValueError):
        files.read("../../etc/passwd")


def test_s3_stores_reads_and_keys_by_content(s3_app):
    app, name, client = s3_app
    assert isinstance(storage.current(), storage.S3Storage)
    digest = files.store(b"%PDF-1.4 the report")
    assert files.store(b"%PDF-1.4 the report") == digest  # the same bytes, one object
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == [f"site-a/{digest[:2]}/{digest[2:4]}/{digest}"]
    assert files.read(digest) == b"%PDF-1.4 the report"
    assert not files.path_for(digest).exists()  # nothing on the local disk
    with pytest.raises(FileNotFoundError):
        files.read("a" * 64)
    with pytest.raises(ValueError):
        files.read("a" * 63)


def test_a_request_with_a_file_on_s3_downloads_through_the_customer_page(s3_app):
    app, name, client = s3_app
    req = factories.request("See attached", "tim@example.com", [Upload("report.pdf", b"%PDF-1.4 quarterly")])
    db.session.commit()
    attachment = db.session.scalars(db.select(Attachment)).one()
    assert files.read(attachment.sha256) == b"%PDF-1.4 quarterly"
    assert client.get_object(Bucket=name, Key=f"site-a/{attachment.sha256[:2]}/{attachment.sha256[2:4]}/"
                                              f"{attachment.sha256}")["Body"].read() == b"%PDF-1.4 quarterly"
    response = app.test_client().get(f"/requests/{req.access_key}/files/{attachment.id}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 quarterly"
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_an_unreachable_s3_server_refuses_the_write_cleanly(s3_env, tmp_path):
    app = make_app(tmp_path, STORAGE_URL="s3://nowhere/x", STORAGE_S3_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    try:
        with app.app_context():
            with pytest.raises(StorageError):
                files.store(b"bytes")
            with pytest.raises(OSError):
                files.read("b" * 64)
    finally:
        release(app)


@pytest.mark.parametrize("url", ["ftp://x/y", "s3://", "bucket"])
def test_a_bad_storage_url_is_refused(url):
    with pytest.raises(ValueError):
        storage.from_config({"STORAGE_URL": url, "UPLOAD_DIR": "/tmp"})
