"""The request page: replies, private notes, attachments, changes, close/reopen, trash, spam, history."""
import io

from portal.extensions import db
from portal.requests.models import STATUS_SPAM, Attachment, Note, Request

from .conftest import load


def _history(app, request_id):
    with app.app_context():
        return list(db.session.execute(db.select(Note).where(Note.request_id == request_id)
                                       .order_by(Note.id)).scalars())


def test_request_page_shows_the_whole_history(app, login, make_request, people):
    from portal.accounts.models import Staff
    from portal.requests.workflow import add_staff_note

    request_id = make_request(note="Initial customer words")
    with app.test_request_context():
        req = db.session.get(Request, request_id)
        add_staff_note(req, db.session.get(Staff, people["agent"]), "Secret staff thought", public=False)
        db.session.commit()
    page = login("agent").get(f"/staff/requests/{request_id}")
    assert page.status_code == 200
    assert b"Initial customer words" in page.data and b"Secret staff thought" in page.data
    assert b"customer@example.com" in page.data


def test_public_reply_and_private_note_with_attachment(app, login, make_request, people):
    request_id = make_request()
    client = login("agent")
    response = client.post(f"/staff/requests/{request_id}/notes",
                           data={"visibility": "public", "body": "We sent a new printer",
                                 "attachments": (io.BytesIO(b"label data"), "label.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    client.post(f"/staff/requests/{request_id}/notes", data={"visibility": "private", "body": "Costly one"})
    notes = _history(app, request_id)
    reply, private = notes[-2], notes[-1]
    assert (reply.body, reply.is_public, reply.staff_id) == ("We sent a new printer", True, people["agent"])
    assert (private.body, private.is_public) == ("Costly one", False)
    with app.app_context():
        attachment = db.session.execute(db.select(Attachment)).scalar_one()
        assert attachment.note_id == reply.id and attachment.filename == "label.txt"
        assert load(Request, request_id).last_reply_by == people["agent"]
        attachment_id = attachment.id
    download = client.get(f"/staff/files/{attachment_id}")
    assert download.data == b"label data"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_an_empty_note_is_refused_and_nothing_is_written(app, login, make_request):
    request_id = make_request()
    before = len(_history(app, request_id))
    response = login("agent").post(f"/staff/requests/{request_id}/notes", data={"visibility": "public", "body": " "},
                                   follow_redirects=True)
    assert b"Please write a note." in response.data
    assert len(_history(app, request_id)) == before


def test_changing_status_category_urgency_and_assignee_is_logged(app, login, make_request, category, people):
    request_id = make_request()
    client = login("agent")
    client.post(f"/staff/requests/{request_id}/update",
                data={"status": "7", "category": str(category), "assigned_to": str(people["agent"]), "urgent": "1"})
    with app.app_context():
        req = load(Request, request_id)
        assert (req.status_id, req.category_id, req.assigned_to_id, req.urgent) == (7, category, people["agent"], True)
    logs = [n.log for n in _history(app, request_id) if n.log]
    assert 'Status changed from "Active" to "Software Bug"' in logs
    assert 'Category changed from "nobody" to "Billing"' in logs
    assert any(line.startswith("Assigned from") for line in logs) and "Marked urgent" in logs
    page = client.get(f"/staff/requests/{request_id}").data
    assert b"Marked urgent" in page


def test_an_unknown_assignee_is_refused(app, login, make_request):
    request_id = make_request()
    response = login("agent").post(f"/staff/requests/{request_id}/update", data={"status": "1", "assigned_to": "999"},
                                   follow_redirects=True)
    assert b"Unknown staff member." in response.data
    with app.app_context():
        assert load(Request, request_id).assigned_to_id is None


def test_close_and_reopen(app, login, make_request):
    request_id = make_request()
    client = login("agent")
    client.post(f"/staff/requests/{request_id}/close")
    with app.app_context():
        assert load(Request, request_id).is_open is False
    client.post(f"/staff/requests/{request_id}/reopen")
    with app.app_context():
        assert load(Request, request_id).is_open is True
    logs = [n.log for n in _history(app, request_id) if n.log]
    assert logs[-2:] == ["Request closed", "Request reopened"]


def test_trash_asks_for_confirmation_then_moves_and_restores(app, login, make_request):
    request_id = make_request()
    client = login("agent")
    asked = client.post(f"/staff/requests/{request_id}/trash")
    assert asked.status_code == 200 and b'name="confirm"' in asked.data and b"required" in asked.data
    with app.app_context():
        assert load(Request, request_id).trashed is False
    client.post(f"/staff/requests/{request_id}/trash", data={"confirm": "1"})
    with app.app_context():
        assert load(Request, request_id).trashed is True
    client.post(f"/staff/requests/{request_id}/restore")
    with app.app_context():
        assert load(Request, request_id).trashed is False
    logs = [n.log for n in _history(app, request_id) if n.log]
    assert logs[-2:] == ["Moved to trash", "Restored from trash"]


def test_mark_spam_and_back(app, login, make_request, people):
    request_id = make_request(assigned_to_id=people["agent"])
    client = login("agent")
    assert client.post(f"/staff/requests/{request_id}/spam").status_code == 200  # the confirmation page
    with app.app_context():
        assert load(Request, request_id).status_id != STATUS_SPAM
    client.post(f"/staff/requests/{request_id}/spam", data={"confirm": "1"})
    with app.app_context():
        req = load(Request, request_id)
        assert (req.status_id, req.is_open, req.assigned_to_id) == (STATUS_SPAM, False, None)
    client.post(f"/staff/requests/{request_id}/not-spam")
    with app.app_context():
        req = load(Request, request_id)
        assert (req.status_id, req.is_open) == (1, True)


def test_a_missing_request_is_404(login):
    assert login("agent").get("/staff/requests/12345").status_code == 404
    assert login("agent").get("/staff/files/12345").status_code == 404


def test_attachments_of_private_notes_download_with_any_name(app, login, make_request):
    request_id = make_request()
    client = login("agent")
    client.post(f"/staff/requests/{request_id}/notes", content_type="multipart/form-data",
                data={"visibility": "private", "body": "scan",
                      "attachments": [(io.BytesIO(b"\x89PNG..."), "报告.png"), (io.BytesIO(b"<svg/>"), "x.svg")]})
    with app.app_context():
        png, svg = db.session.execute(db.select(Attachment).order_by(Attachment.id)).scalars()
        png_id, svg_id = png.id, svg.id
    image = client.get(f"/staff/files/{png_id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A.png" in image.headers["Content-Disposition"]
    drawing = client.get(f"/staff/files/{svg_id}")  # SVG can carry script: never shown inline
    assert drawing.mimetype == "application/octet-stream"
    assert drawing.headers["Content-Disposition"].startswith("attachment;")


def test_saving_details_keeps_a_deleted_category(app, login, make_request, category):
    request_id = make_request(category_id=category)
    with app.app_context():
        db.session.get(Request, request_id).category.deleted = True
        db.session.commit()
    client = login("agent")
    page = client.get(f"/staff/requests/{request_id}").data.decode()
    assert f'<option value="{category}" selected>Billing (deleted)</option>' in page
    client.post(f"/staff/requests/{request_id}/update", data={"status": "1", "category": str(category)})
    with app.app_context():
        assert load(Request, request_id).category_id == category
