"""An upload is never served with an executable or active type.

Every file route (a request's files by access key, staff downloads, KB page files, HelpSpot's old
``index.php?pg=file`` links to them) shows only allow-listed raster images inline, with the type Portico
decided from the file name when it was uploaded; everything else is ``application/octet-stream`` as an
attachment, never sniffed, sandboxed. Blocked extensions are checked on the normalised name, so a trailing
dot or space, upper case, a NUL or a declared type does not get a ``.js`` past them. Files that not everyone
may read are never kept by shared caches.
"""
import base64
import io

import pytest

from portal import files as filestore
from portal import settings, spam
from portal.extensions import db
from portal.kb.models import PageAttachment
from portal.requests.models import Attachment
from tests.portal_helpers import add_login_route
from tests.security.test_injection import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
SCRIPT = b"alert(document.domain)"
RASTER = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif"}
BYPASS_NAMES = ["evil.js.", "evil.js ", "evil.JS", "evil.Js. . .", "evil.js\x00.png", "evil.js%00.png",
                "evil.js%2500.png", "dir/evil.js.", "evil.exe.."]


@pytest.fixture
def world(app):
    add_login_route(app)
    with app.app_context():
        settings.set_value("public_api", True)
        settings.set_value("allow_uploads", True)
        db.session.commit()
    return World.build(app)


@pytest.fixture
def human(monkeypatch):
    monkeypatch.setattr(spam, "form_is_human", lambda *a, **k: True)


@pytest.fixture
def staff(app, world):
    client = app.test_client()
    client.get(f"/_test/login/staff/{world.admin_id}")
    return client


def assert_never_active(response, *, inline_type: str | None = None) -> None:
    """The reply carries the file but nothing a browser would run, render as a document or sniff."""
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = response.headers["Content-Disposition"]
    if inline_type:
        assert response.mimetype == inline_type and disposition.startswith("inline;")
    else:
        assert response.mimetype == "application/octet-stream" and disposition.startswith("attachment;")
    assert response.mimetype in RASTER | {"application/octet-stream"}


def portal_upload(client, name, data, declared):
    return client.post("/requests/new", content_type="multipart/form-data", data={
        "first_name": "Tim", "email": "t@example.com", "note": "see the file",
        "attachments": (io.BytesIO(data), name, declared)})


def api_upload(client, name, data, declared):
    return client.post("/api/index.php", data={
        "method": "request.create", "output": "json", "tNote": "see the file", "sEmail": "t@example.com",
        "File1_sFilename": name, "File1_sFileMimeType": declared,
        "File1_bFileBody": base64.b64encode(data).decode()})


def newest_request_file(app):
    with app.app_context():
        found = db.session.execute(db.select(Attachment).order_by(Attachment.id.desc())).scalars().first()
        return f"/requests/{found.note.request.access_key}/files/{found.id}", found.mime_type


@pytest.mark.parametrize("name", BYPASS_NAMES)
def test_a_blocked_extension_is_refused_however_the_name_is_dressed(app, client, world, human, name):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(Attachment.id)))
    response = portal_upload(client, name, SCRIPT, "application/javascript")
    assert response.status_code == 400
    assert "are not accepted" in response.get_data(as_text=True)
    response = api_upload(client, name, SCRIPT, "application/javascript")
    if "\x00" in name:  # the edge drops NULs from every parameter: "evil.js.png" is a PNG by its name
        assert response.status_code == 200
        url, stored = newest_request_file(app)
        assert stored == "image/png" and url.endswith(str(before + 1))
        assert_never_active(client.get(url), inline_type="image/png")
        before += 1
    else:
        assert response.status_code == 400 and "are not accepted" in response.get_data(as_text=True)
    response = client.post(f"/requests/{world.access_key}", content_type="multipart/form-data",
                           data={"update": "file", "attachments": (io.BytesIO(SCRIPT), name, "text/javascript")})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == before


@pytest.mark.parametrize("name,declared", [
    ("evil.txt", "application/javascript"), ("evil", "application/javascript"), ("page.html", "text/html"),
    ("page.htm", "image/png"), ("drawing.svg", "image/svg+xml"), ("feed.xml", "text/xml"),
    ("evil.mjs", "text/javascript"), ("data.json", "application/json"), ("movie.swf", "image/png"),
    ("report.pdf", "application/pdf"),
])
def test_a_script_uploaded_through_the_form_and_the_api_is_never_served_as_script(app, client, world, human,
                                                                                   name, declared):
    assert portal_upload(client, name, SCRIPT, declared).status_code == 302
    url, stored = newest_request_file(app)
    assert stored not in ("application/javascript", "text/javascript", "text/html", "image/svg+xml")
    assert_never_active(client.get(url))
    assert client.get(url).data == SCRIPT
    assert api_upload(client, name, SCRIPT, declared).status_code == 200
    url, _ = newest_request_file(app)
    assert_never_active(client.get(url))


def test_js_is_not_served_as_script_even_when_an_admin_unblocks_it(app, client, world, human):
    with app.app_context():
        settings.set_value("blocked_extensions", "exe")
        db.session.commit()
    for send in (portal_upload, api_upload):
        assert send(client, "app.js", SCRIPT, "application/javascript").status_code in (200, 302)
        url, stored = newest_request_file(app)
        assert stored == "application/octet-stream"
        assert_never_active(client.get(url))


def test_a_real_image_is_shown_inline_whatever_type_the_client_declared(app, client, world, human):
    assert portal_upload(client, "screen.png", PNG, "application/javascript").status_code == 302
    url, stored = newest_request_file(app)
    assert stored == "image/png"
    assert_never_active(client.get(url), inline_type="image/png")
    assert api_upload(client, "photo.JPG", b"\xff\xd8\xff\xe0jpeg", "text/html").status_code == 200
    url, stored = newest_request_file(app)
    assert stored == "image/jpeg"
    assert_never_active(client.get(url), inline_type="image/jpeg")


def test_old_rows_with_an_active_type_are_downloaded(app, client, staff, world):
    """Rows stored before the fix kept the client's declared type: it no longer decides how they are served."""
    with app.app_context():
        digest = filestore.store(SCRIPT)
        note_id = db.session.get(Attachment, world.attachment_id).note_id
        rows = [Attachment(note_id=note_id, filename=name, mime_type=mime, size=len(SCRIPT), sha256=digest)
                for name, mime in (("a.js", "application/javascript"), ("b.html", "text/html"),
                                   ("c.js", "image/png"), ("d.svg", "image/svg+xml"), ("e", "text/javascript"))]
        db.session.add_all(rows)
        db.session.commit()
        ids = [row.id for row in rows]
    for ident in ids:
        assert_never_active(client.get(f"/requests/{world.access_key}/files/{ident}"))
        assert_never_active(staff.get(f"/staff/files/{ident}"))
        legacy = client.get(f"/index.php?pg=file&from=3&id={ident}&reqid={world.access_key}")
        assert legacy.status_code == 301
        assert_never_active(client.get(legacy.headers["Location"]))


def test_staff_and_kb_uploads_are_served_the_same_way(app, client, staff, world):
    with app.app_context():
        settings.set_value("blocked_extensions", "exe")
        db.session.commit()
    for name, data, declared, inline in (("x.js", SCRIPT, "application/javascript", None),
                                         ("x.html", SCRIPT, "text/html", None),
                                         ("x.svg", b"<svg onload='alert(1)'/>", "image/svg+xml", None),
                                         ("x.png", PNG, "text/html", "image/png")):
        response = staff.post(f"/staff/kb/pages/{world.page_id}/attachments", content_type="multipart/form-data",
                              data={"attachment": (io.BytesIO(data), name, declared)})
        assert response.status_code in (302, 303)
        with app.app_context():
            kb_file = db.session.execute(db.select(PageAttachment).order_by(PageAttachment.id.desc())).scalars().first()
            kb_id = kb_file.id
        assert_never_active(client.get(f"/kb/files/{kb_id}"), inline_type=inline)
        legacy = client.get(f"/index.php?pg=file&from=2&id={kb_id}")
        assert_never_active(client.get(legacy.headers["Location"]), inline_type=inline)
        response = staff.post(f"/staff/requests/{world.request_id}/notes", content_type="multipart/form-data",
                              data={"visibility": "private", "body": "file",
                                    "attachments": (io.BytesIO(data), name, declared)})
        assert response.status_code in (302, 303)
        with app.app_context():
            file_id = db.session.scalar(db.select(db.func.max(Attachment.id)))
        assert_never_active(staff.get(f"/staff/files/{file_id}"), inline_type=inline)


def test_staff_and_kb_uploads_refuse_dressed_up_blocked_names(app, staff, world):
    for name in BYPASS_NAMES:
        staff.post(f"/staff/kb/pages/{world.page_id}/attachments", content_type="multipart/form-data",
                   data={"attachment": (io.BytesIO(SCRIPT), name)})  # refused: flashed on the editor page
        response = staff.post(f"/staff/requests/{world.request_id}/notes", content_type="multipart/form-data",
                              data={"visibility": "public", "body": "file",
                                    "attachments": (io.BytesIO(SCRIPT), name)})
        assert response.status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PageAttachment.id))) == 3  # the world's own
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 2


def test_files_not_public_to_everyone_are_never_kept_by_shared_caches(app, client, staff, world):
    public = client.get(f"/kb/files/{world.kb_attachment_id}")
    assert public.status_code == 200 and "public" in public.headers["Cache-Control"]
    for ident in (world.private_kb_attachment_id, world.hidden_kb_attachment_id):
        response = staff.get(f"/kb/files/{ident}")
        assert response.status_code == 200
        cache_control = response.headers["Cache-Control"]
        assert "public" not in cache_control and "private" in cache_control and "no-store" in cache_control
    # A staff member reading a public page's file gets the same public reply as anyone.
    assert "public" in staff.get(f"/kb/files/{world.kb_attachment_id}").headers["Cache-Control"]
    # Only logged-in customers may read the portal: nothing of it is kept by a shared cache.
    with app.app_context():
        settings.set_value("require_login", True)
        db.session.commit()
    response = staff.get(f"/kb/files/{world.kb_attachment_id}")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    # A request's files are the customer's own.
    response = client.get(f"/requests/{world.access_key}/files/{world.attachment_id}")
    assert "public" not in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    response = staff.get(f"/staff/files/{world.attachment_id}")
    assert "no-store" in response.headers["Cache-Control"]
