"""A full or unwritable upload directory gives a clear ValidationFailed (not a 500) and leaves no
half-written request, note, attachment row or temporary file behind."""
import os
import tempfile

import pytest

from portal import files, storage
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.requests.models import Attachment, Note, Request
from portal.requests.services import RequestInput, add_customer_update, create_request


def _rows():
    return tuple(db.session.scalar(db.select(db.func.count(model.id))) for model in (Request, Note, Attachment))


def _leftover_files(root):
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names] if os.path.isdir(root) else []


@pytest.fixture
def committed_request(ctx):
    req = create_request(RequestInput(note="Before the disk filled", email="pat@example.com"),
                         [files.Upload("first.txt", b"first file")], check_spam=False)
    db.session.commit()
    return req.id


@pytest.fixture
def disk_full(monkeypatch):
    """Every new upload file is written to /dev/full, so the write fails with ENOSPC as on a full disk."""
    real_mkstemp = tempfile.mkstemp

    def full_mkstemp(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    monkeypatch.setattr(storage.tempfile, "mkstemp", full_mkstemp)  # the local backend writes through it


@pytest.fixture
def unwritable_dir(app, tmp_path):
    """UPLOAD_DIR below a plain file: no directory can be created there, even by root."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app.config["UPLOAD_DIR"] = str(blocker / "uploads")


@pytest.fixture
def read_only_dir(app, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions (the unwritable_dir case covers this)")
    root = tmp_path / "ro-uploads"
    root.mkdir()
    root.chmod(0o500)
    app.config["UPLOAD_DIR"] = str(root)
    yield
    root.chmod(0o700)


def _assert_refused_cleanly(action, before):
    with pytest.raises(ValidationFailed) as caught:
        action()
    assert [field for field, _ in caught.value.errors] == ["attachments"]
    assert "cannot be saved" in caught.value.errors[0][1]
    db.session.rollback()
    assert _rows() == before


@pytest.mark.parametrize("fault", ["disk_full", "unwritable_dir", "read_only_dir"])
def test_new_request_with_a_file_is_refused_cleanly(request, app, committed_request, fault):
    request.getfixturevalue(fault)
    before = _rows()
    _assert_refused_cleanly(lambda: create_request(
        RequestInput(note="After the disk filled", email="sam@example.com"),
        [files.Upload("report.pdf", b"%PDF-1.4 new bytes")], check_spam=False), before)
    assert db.session.get(Request, committed_request).notes[0].attachments[0].filename == "first.txt"
    assert not any(".upload-" in path for path in _leftover_files(app.config["UPLOAD_DIR"]))


@pytest.mark.parametrize("fault", ["disk_full", "unwritable_dir"])
def test_customer_update_with_a_file_is_refused_cleanly(request, app, committed_request, fault):
    request.getfixturevalue(fault)
    req = db.session.get(Request, committed_request)
    before = _rows()
    _assert_refused_cleanly(lambda: add_customer_update(req, "More detail", [files.Upload("log.txt", b"log")]),
                            before)


def test_the_same_request_without_the_file_still_goes_through(ctx, disk_full):
    # The message tells the customer to send without attachments: that path must work on a full disk.
    req = create_request(RequestInput(note="No attachment", email="sam@example.com"), check_spam=False)
    db.session.commit()
    assert db.session.get(Request, req.id).notes[0].body == "No attachment"
