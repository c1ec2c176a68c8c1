"""Path traversal through file names (uploads are stored under their hash inside UPLOAD_DIR, the shown name
is sanitised) and through download ids (another request's file, a private or hidden KB page's file,
odd ids and encoded dots all answer 404; staff downloads need a login)."""
import base64
import hashlib
import io
import os
from pathlib import Path

import pytest

from portal import files as filestore
from portal import spam
from portal.extensions import db
from tests.portal_helpers import add_login_route
from tests.security.test_injection import World

NAMES = [
    "../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd", "C:\\Windows\\win.ini", "....//....//etc/shadow",
    "..%2f..%2fetc%2fpasswd", "a\x00.txt", "x" * 1000 + ".txt", ".htaccess", "../../../../tmp/evil.sh.txt",
    "~/.ssh/authorized_keys", "report\u202ecod.txt", "con", "  ../ spaced .txt",
]


@pytest.fixture
def world(app):
    from portal import settings

    add_login_route(app)
    with app.app_context():
        settings.set_value("public_api", True)
        settings.set_value("allow_uploads", True)
        db.session.commit()
    return World.build(app)


@pytest.fixture
def human(monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)


def files_outside(tmp_path: Path, upload_dir: Path) -> set[str]:
    return {str(p) for p in tmp_path.rglob("*") if p.is_file() and upload_dir not in p.parents}


def assert_safe_name(name: str) -> None:
    assert name and len(name) <= 255
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and ".." not in name.split("/")
    assert name == filestore.safe_filename(name)  # already sanitised: stable


def stored_attachments(app, model):
    with app.app_context():
        return [(a.filename, a.sha256) for a in db.session.execute(db.select(model).order_by(model.id)).scalars()]


def test_hostile_upload_names_are_stored_under_the_hash_inside_upload_dir(app, client, world, human, tmp_path):
    from portal.kb.models import PageAttachment
    from portal.requests.models import Attachment

    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    before_outside = files_outside(tmp_path, upload_dir)
    request_rows = len(stored_attachments(app, Attachment))
    for number, name in enumerate(NAMES):
        data = f"file {number} for {name!r}".encode()
        # the portal form, the customer update, the API, and the staff KB editor
        response = client.post("/requests/new", data={"first_name": "Tim", "email": "t@example.com",
                                                      "note": f"upload {number}",
                                                      "attachments": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        assert response.status_code in (200, 302, 303), (name, response.status_code)
        response = client.post(f"/requests/{world.access_key}", data={"update": f"update {number}",
                                                                       "attachments": (io.BytesIO(data + b"u"), name)},
                               content_type="multipart/form-data")
        assert response.status_code in (200, 302, 303), (name, response.status_code)
        response = client.post("/api/index.php", data={
            "method": "request.create", "tNote": f"api {number}", "sEmail": "t@example.com", "output": "json",
            "File1_sFilename": name, "File1_sFileMimeType": "text/plain",
            "File1_bFileBody": base64.b64encode(data + b"a").decode()})
        assert response.status_code == 200, (name, response.data)
    staff = app.test_client()
    staff.get(f"/_test/login/staff/{world.admin_id}")
    for number, name in enumerate(NAMES):
        response = staff.post(f"/staff/kb/pages/{world.page_id}/attachments",
                              data={"attachment": (io.BytesIO(f"kb {number}".encode()), name)},
                              content_type="multipart/form-data")
        assert response.status_code in (200, 302, 303), (name, response.status_code)
    rows = stored_attachments(app, Attachment)[request_rows:] + stored_attachments(app, PageAttachment)[3:]
    assert len(rows) == 4 * len(NAMES)
    for name, digest in rows:
        assert_safe_name(name)
        path = _path(app, digest)
        assert upload_dir in path.parents and path.name == digest and path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    # Besides the uploads, only the database and the search index (which indexes the new requests) change.
    index_dir = Path(app.config["SEARCH_INDEX_DIR"]).resolve()
    new_files = files_outside(tmp_path, upload_dir) - before_outside
    new_files = {f for f in new_files if index_dir not in Path(f).resolve().parents}
    assert new_files <= {str(p) for p in tmp_path.glob("*.db*")}
    assert not Path("/tmp/evil.sh.txt").exists()


def _path(app, digest) -> Path:
    with app.app_context():
        return filestore.path_for(digest).resolve()


def test_download_names_are_sanitised_in_the_header(app, client, world, human):
    from portal.requests.models import Attachment

    client.post(f"/requests/{world.access_key}", data={"update": "with a file",
                                                       "attachments": (io.BytesIO(b"evil"), "../../etc/passwd")},
                content_type="multipart/form-data")
    with app.app_context():
        attachment = db.session.execute(db.select(Attachment).order_by(Attachment.id.desc())).scalars().first()
        ident = attachment.id
    response = client.get(f"/requests/{world.access_key}/files/{ident}")
    assert response.status_code == 200 and response.data == b"evil"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "/" not in disposition.split("filename", 1)[1] and ".." not in disposition


@pytest.mark.parametrize("suffix", [
    "{other}", "-1", "0", "99999999999999999999", "9223372036854775808", "2147483648", "abc", "1.0", "%2e%2e%2f",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fetc%2fpasswd", "../../../etc/passwd", "..%5c..%5cboot.ini",
    "{mine}%00", "{mine}/..", "%00",
])
def test_odd_or_foreign_request_download_ids_are_404(app, client, world, suffix):
    url = f"/requests/{world.access_key}/files/" + suffix.format(other=world.other_attachment_id,
                                                                   mine=world.attachment_id)
    response = client.get(url)
    assert response.status_code == 404, (url, response.status_code)
    assert b"other customer's file" not in response.data


def test_own_file_downloads_and_a_foreign_key_does_not_open_it(app, client, world):
    assert client.get(f"/requests/{world.access_key}/files/{world.attachment_id}").data == b"first file"
    assert client.get(f"/requests/{world.other_access_key}/files/{world.attachment_id}").status_code == 404
    assert client.get(f"/requests/%2e%2e/files/{world.attachment_id}").status_code == 404


def test_kb_files_of_private_books_and_hidden_pages_are_404_for_customers(app, client, world):
    assert client.get(f"/kb/files/{world.kb_attachment_id}").status_code == 200
    for ident in (world.private_kb_attachment_id, world.hidden_kb_attachment_id, 0, 424242,
                  "99999999999999999999", "%2e%2e%2f", "-1"):
        response = client.get(f"/kb/files/{ident}")
        assert response.status_code == 404, (ident, response.status_code)
        assert b"Keys file" not in response.data and b"Draft file" not in response.data


def test_staff_downloads_need_a_login(app, client, world):
    for ident in (world.attachment_id, world.other_attachment_id):
        response = client.get(f"/staff/files/{ident}")
        assert response.status_code in (302, 401, 403), response.status_code
        assert b"first file" not in response.data and b"other customer" not in response.data
    client.get(f"/_test/login/customer/{world.customer_id}")  # a customer is not staff
    response = client.get(f"/staff/files/{world.attachment_id}")
    assert response.status_code in (302, 401, 403, 404) and b"first file" not in response.data
    staff = app.test_client()
    staff.get(f"/_test/login/staff/{world.agent_id}")
    assert staff.get(f"/staff/files/{world.attachment_id}").data == b"first file"
    assert staff.get("/staff/files/99999999999999999999").status_code == 404


def test_upload_store_never_leaves_upload_dir_whatever_the_digest(ctx):
    for digest in ("../../etc/passwd", "/etc/passwd", "a" * 63 + "/", "..", "A" * 64, "a" * 63 + "\x00"):
        with pytest.raises(ValueError):
            filestore.path_for(digest)
    assert os.path.isabs(str(filestore.path_for("a" * 64)))
