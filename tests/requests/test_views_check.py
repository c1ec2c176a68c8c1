"""Finding a request by access key (requests.lookup, requests.check), updating it, and its files."""
import io
from datetime import timedelta

import pytest

from portal import files as filestore
from portal import settings
from portal.dates import utcnow
from portal.extensions import db
from portal.files import Upload
from portal.requests.models import AUTHOR_SYSTEM, Note, Request, RequestMerge
from portal.requests.services import add_customer_update
from portal.requests.workflow import add_staff_note
from tests.requests.test_views import open_request


@pytest.fixture
def agent(app, make_staff):
    return make_staff("sam@example.com", first_name="Samantha", last_name="Okafor")


def _note(app, request_id, body, *, staff_id=None, public=True, author=None, pinned=False, minutes_ago=0,
          files=()):
    """A note written straight into the history, at a chosen time."""
    with app.test_request_context():
        req = db.session.get(Request, request_id)
        if staff_id:
            from portal.accounts.models import Staff
            note = add_staff_note(req, db.session.get(Staff, staff_id), body, public=public, uploads=files,
                                  notify_customer=False)
        else:
            note = add_customer_update(req, body, files)
        if author is not None:
            note.author_id = author
        note.pinned = pinned
        note.created_at = utcnow() - timedelta(minutes=minutes_ago)
        db.session.commit()
        return note.id


def _close(app, request_id, days_ago: float):
    with app.app_context():
        req = db.session.get(Request, request_id)
        req.is_open, req.status_id, req.closed_at = False, 3, utcnow() - timedelta(days=days_ago)
        db.session.commit()


# --- the access-key form --------------------------------------------------------------------------------

def test_lookup_page_offers_the_key_form_and_a_login_box(client):
    html = client.get("/requests/check").get_data(as_text=True)
    assert "<title>Check a request" in html
    assert 'name="access_key"' in html and 'action="/account/login"' in html
    assert "Forgot your password?" in html and "Create an account" in html


def test_lookup_with_a_valid_key_opens_the_request(app, client):
    _, key = open_request(app)
    response = client.post("/requests/check", data={"access_key": f"  {key} "})
    assert response.status_code == 302 and response.headers["Location"] == f"/requests/{key}"


@pytest.mark.parametrize("typed, reason", [("", "Please type your access key."),
                                           ("1WrongLettersXXXXXXXXX", "This access key is not on file."),
                                           ("nonsense", "This access key is not on file.")])
def test_lookup_with_a_bad_key_says_so_and_keeps_it(app, client, typed, reason):
    open_request(app)
    response = client.post("/requests/check", data={"access_key": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert reason in html and 'id="access_key-errors"' in html and f'value="{typed}"' in html


# --- the request page ----------------------------------------------------------------------------------

def test_request_page_lists_public_notes_pinned_first_then_newest(app, client, agent):
    request_id, key = open_request(app)
    with app.app_context():
        db.session.execute(db.update(Note).values(created_at=utcnow() - timedelta(hours=5)))
        db.session.commit()
    _note(app, request_id, "Staff reply, older", staff_id=agent, minutes_ago=60)
    _note(app, request_id, "Private thoughts", staff_id=agent, public=False, minutes_ago=30)
    _note(app, request_id, "System message", staff_id=agent, author=AUTHOR_SYSTEM, minutes_ago=20)
    _note(app, request_id, "Customer follow-up, newest", minutes_ago=1)
    _note(app, request_id, "Pinned answer", staff_id=agent, pinned=True, minutes_ago=90)
    response = client.get(f"/requests/{key}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert f"Your access key: <strong>{key}</strong>" in html
    order = ["Pinned answer", "Customer follow-up, newest", "System message", "Staff reply, older",
             "It smokes when I print."]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Private thoughts" not in html
    assert "Samantha" in html and "Okafor" not in html  # staff by first name only
    assert "Help Desk Message" in html and "Ana Lopez" in html
    when = utcnow() - timedelta(hours=5)
    assert f"{when:%b} {when.day} {when:%Y, %I}" in html  # the long date


@pytest.mark.parametrize("key", ["1abc", "999ABCDEFGHIJKLMNOPQRST", "not-a-key"])
def test_an_unknown_key_is_not_on_file(app, client, key):
    open_request(app)
    response = client.get(f"/requests/{key}")
    assert response.status_code == 404
    assert "This access key is not on file" in response.get_data(as_text=True)


def test_the_right_id_with_wrong_letters_is_not_on_file(app, client):
    request_id, key = open_request(app)
    wrong = f"{request_id}{'A' * 20}"
    assert client.get(f"/requests/{wrong}").status_code == 404


def test_a_merged_key_redirects_to_the_request_it_joined(app, client):
    old_id, old_key = open_request(app)
    _, new_key = open_request(app, note="The newer one")
    with app.app_context():
        old = db.session.get(Request, old_id)
        new_id = int(new_key[:-20])
        db.session.add(RequestMerge(old_id=old_id, old_password=old.password, request_id=new_id))
        db.session.delete(old)
        db.session.commit()
    response = client.get(f"/requests/{old_key}")
    assert response.status_code == 302 and response.headers["Location"] == f"/requests/{new_key}"
    posted = client.post(f"/requests/{old_key}", data={"update": "Sent to the old key"})
    assert posted.status_code == 307 and posted.headers["Location"] == f"/requests/{new_key}"
    assert client.get(f"/requests/{old_id}{'Z' * 20}").status_code == 404  # the old id alone is no key


def test_a_request_closed_long_ago_is_hidden_unless_its_owner_is_logged_in(app, client):
    request_id, key = open_request(app)
    _close(app, request_id, days_ago=3)
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert "no longer available for public viewing" in html
    assert "It smokes when I print." not in html and 'name="update"' not in html
    response = client.post(f"/requests/{key}", data={"update": "Let me in"})
    with app.app_context():
        assert db.session.get(Request, request_id).is_open is False  # no update through a hidden page
    assert "no longer available" in response.get_data(as_text=True)

    from portal.accounts.services import set_customer_password
    with app.app_context():
        set_customer_password("ana@example.org", "long enough pw")  # a confirmed account
        db.session.commit()
    client.post("/account/login", data={"email": "ana@example.org", "password": "long enough pw"})
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert "It smokes when I print." in html and 'name="update"' in html


def test_closed_visible_days_is_a_setting(app, client):
    request_id, key = open_request(app)
    _close(app, request_id, days_ago=3)
    with app.app_context():
        settings.set_value("closed_visible_days", 5)
        db.session.commit()
    assert "It smokes when I print." in client.get(f"/requests/{key}").get_data(as_text=True)


# --- updates -------------------------------------------------------------------------------------------

def test_an_update_with_files_is_added_and_reopens_a_closed_request(app, client):
    request_id, key = open_request(app)
    _close(app, request_id, days_ago=1)
    data = {"update": "It happened again.", "attachments": [(io.BytesIO(b"\x89PNG shot"), "shot.png"),
                                                             (io.BytesIO(b"trace"), "trace.txt")]}
    response = client.post(f"/requests/{key}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == f"/requests/{key}"
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert req.is_open and req.status_id == 1
        note = [n for n in req.notes if n.body == "It happened again."][0]
        assert note.is_public and note.author_id == 0
        assert sorted(a.filename for a in note.attachments) == ["shot.png", "trace.txt"]
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert "your update was added" in html and "It happened again." in html and "shot.png" in html


def test_an_empty_update_is_refused_next_to_the_box(app, client):
    _, key = open_request(app)
    response = client.post(f"/requests/{key}", data={"update": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="update-errors"' in html and "Please write your update." in html


def test_an_update_with_a_blocked_file_keeps_the_text(app, client):
    request_id, key = open_request(app)
    data = {"update": "Here is the installer", "attachments": (io.BytesIO(b"MZ"), "tool.exe")}
    response = client.post(f"/requests/{key}", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Files of type .exe are not accepted." in html and "Here is the installer</textarea>" in html
    assert "please choose your attachments again" in html
    with app.app_context():
        assert len(db.session.get(Request, request_id).notes) == 1


def test_the_history_limit_is_explained(app, client):
    _, key = open_request(app)
    with app.app_context():
        settings.set_value("max_request_history", 1)
        db.session.commit()
    response = client.post(f"/requests/{key}", data={"update": "One more"})
    assert response.status_code == 400
    assert "Request history limit reached" in response.get_data(as_text=True)


# --- attachments ---------------------------------------------------------------------------------------

@pytest.fixture
def with_files(app, agent):
    request_id, key = open_request(app)
    public = _note(app, request_id, "Files", files=[Upload("report.pdf", b"%PDF-1.4 report", "application/pdf"),
                                                    Upload("photo.png", b"\x89PNG photo", "image/png"),
                                                    Upload("page.html", b"<script>alert(1)</script>", "text/html")])
    private = _note(app, request_id, "Staff only", staff_id=agent, public=False,
                    files=[Upload("internal.txt", b"secret", "text/plain")])
    _, other_key = open_request(app, note="Someone else's")
    with app.app_context():
        ids = {a.filename: a.id for n in (db.session.get(Note, public), db.session.get(Note, private))
               for a in n.attachments}
    return key, other_key, ids


def test_a_document_downloads_with_the_key_as_an_attachment(client, with_files):
    key, _, ids = with_files
    response = client.get(f"/requests/{key}/files/{ids['report.pdf']}")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 report"
    # Only raster images keep their own type; anything else is served as bytes to save.
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "report.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]


def test_images_show_inline_but_html_never_does(client, with_files):
    key, _, ids = with_files
    image = client.get(f"/requests/{key}/files/{ids['photo.png']}")
    assert image.headers["Content-Disposition"].startswith("inline")
    page = client.get(f"/requests/{key}/files/{ids['page.html']}")
    assert page.headers["Content-Disposition"].startswith("attachment;")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in page.headers["Content-Security-Policy"]


def test_the_request_page_links_and_previews_its_files(client, with_files):
    key, _, ids = with_files
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert f'href="/requests/{key}/files/{ids["report.pdf"]}"' in html
    assert f'<img src="/requests/{key}/files/{ids["photo.png"]}"' in html
    assert "internal.txt" not in html


@pytest.mark.parametrize("case", ["private note", "other request", "missing", "wrong key"])
def test_files_are_refused_unless_public_and_of_that_request(client, with_files, case):
    key, other_key, ids = with_files
    # A key that differs in its last letter, whatever that letter is.
    wrong_key = key[:-1] + ("R" if key[-1].upper() == "Q" else "Q")
    url = {"private note": f"/requests/{key}/files/{ids['internal.txt']}",
           "other request": f"/requests/{other_key}/files/{ids['report.pdf']}",
           "missing": f"/requests/{key}/files/99999",
           "wrong key": f"/requests/{wrong_key}/files/{ids['report.pdf']}"}[case]
    response = client.get(url)
    assert response.status_code == 404
    assert b"%PDF" not in response.data and b"secret" not in response.data


def test_a_file_missing_from_the_store_is_a_404_not_a_crash(app, client, with_files):
    key, _, ids = with_files
    with app.app_context():
        from portal.requests.models import Attachment
        filestore.path_for(db.session.get(Attachment, ids["report.pdf"]).sha256).unlink()
    assert client.get(f"/requests/{key}/files/{ids['report.pdf']}").status_code == 404


def test_files_of_a_hidden_request_are_refused(app, client, with_files):
    key, _, ids = with_files
    _close(app, int(key[:-20]), days_ago=30)
    assert client.get(f"/requests/{key}/files/{ids['report.pdf']}").status_code == 404


def test_a_logged_in_customer_is_offered_their_history_instead_of_the_login_box(app, client):
    from portal.accounts.services import set_customer_password
    with app.app_context():
        set_customer_password("ana@example.org", "long enough pw")  # a confirmed account
        db.session.commit()
    client.post("/account/login", data={"email": "ana@example.org", "password": "long enough pw"})
    html = client.get("/requests/check").get_data(as_text=True)
    assert 'href="/account/requests"' in html and 'action="/account/login"' not in html
    assert 'name="access_key"' in html  # a key for another email can still be typed


def test_the_closed_page_logs_the_owner_in_and_brings_them_back(app, client):
    from portal.accounts.services import set_customer_password
    request_id, key = open_request(app)
    _close(app, request_id, days_ago=3)
    with app.app_context():
        set_customer_password("ana@example.org", "long enough pw")  # a confirmed account
        db.session.commit()
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert f'href="/account/login?next=/requests/{key}"' in html
    response = client.post("/account/login", data={"email": "ana@example.org", "password": "long enough pw",
                                                   "next": f"/requests/{key}"})
    assert response.headers["Location"] == f"/requests/{key}"
    assert "It smokes when I print." in client.get(f"/requests/{key}").get_data(as_text=True)
