"""Request rules: validation, custom fields, access keys, customer updates, visibility of closed requests."""
from datetime import timedelta

import pytest

from portal import settings
from portal.accounts.models import Customer
from portal.dates import utcnow
from portal.errors import Conflict, Merged, NotFound, ValidationFailed
from portal.extensions import db
from portal.files import Upload
from portal.requests import reading, services
from portal.requests.models import STATUS_SPAM, FieldValue, Note, Request, RequestMerge
from portal.requests.services import RequestInput


def _input(**values):
    values.setdefault("note", "My printer is on fire.")
    values.setdefault("email", "Tim@Example.com")
    return RequestInput(**values)


def test_create_request_stores_request_note_and_customer_login(ctx):
    req = services.create_request(_input(first_name="Tim", title="Help"))
    db.session.commit()
    stored = db.session.get(Request, req.id)
    assert stored.email == "tim@example.com"
    assert stored.is_open and stored.status.name == "Active"
    assert len(stored.password) == 20 and stored.password.isalpha()
    assert stored.access_key == f"{stored.id}{stored.password}"
    [note] = stored.notes
    assert note.is_initial and note.is_public and note.body == "My printer is on fire."
    customer = db.session.execute(db.select(Customer)).scalar_one()
    assert customer.email == "tim@example.com" and not customer.has_password


def test_every_problem_is_reported_at_once_and_nothing_is_written(ctx, catalogue):
    with pytest.raises(ValidationFailed) as caught:
        services.create_request(RequestInput(note="  ", email="not-an-email", category_id=catalogue["support"].id,
                                             custom={catalogue["order"].id: "12a"}))
    fields = [field for field, _ in caught.value.errors]
    assert fields == ["email", "note", f"Custom{catalogue['system'].id}", f"Custom{catalogue['order'].id}"]
    assert caught.value.errors[0] == ("email", "This is not a valid email address.")  # never echoes the input
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_some_customer_information_is_required(ctx):
    with pytest.raises(ValidationFailed) as caught:
        services.create_request(RequestInput(note="hello"))
    assert caught.value.errors == [("email", "You must provide some customer information")]
    req = services.create_request(RequestInput(note="hello", user_id="C-42"))
    assert req.user_id == "C-42"


def test_custom_fields_follow_the_category(ctx, catalogue):
    f = catalogue
    data = _input(category_id=f["support"].id,
                  custom={f["system"].id: "Linux", f["order"].id: "42", f["secret"].id: "9", f["office"].id: "Paris",
                          f["when"].id: "2026-03-04"})
    req = services.create_request(data)
    db.session.commit()
    values = {v.field_id: v.value for v in db.session.execute(
        db.select(FieldValue).where(FieldValue.request_id == req.id)).scalars()}
    # The private field is neither required nor stored from the public side.
    assert values == {f["system"].id: "Linux", f["order"].id: "42", f["office"].id: "Paris",
                      f["when"].id: "1772582400"}


def test_values_for_fields_outside_the_category_are_dropped(ctx, catalogue):
    f = catalogue
    req = services.create_request(_input(custom={f["system"].id: "Linux", f["office"].id: "Oslo"}))
    assert {v.field_id for v in req.field_values} == {f["office"].id}


@pytest.mark.parametrize("field, raw, reason", [
    ("system", "BeOS", "Operating system must be one of: Windows, Linux."),
    ("order", "4.5", "Order number must be a whole number."),
    ("when", "next tuesday", "Purchase date must be a date (YYYY-MM-DD)."),
])
def test_custom_field_types_are_checked(ctx, catalogue, field, raw, reason):
    f = catalogue
    custom = {f["system"].id: "Linux", f[field].id: raw}
    with pytest.raises(ValidationFailed) as caught:
        services.create_request(_input(category_id=f["support"].id, custom=custom))
    assert reason in caught.value.message


def test_text_field_size_is_enforced(ctx, catalogue):
    with pytest.raises(ValidationFailed, match="at most 10 characters"):
        services.create_request(_input(custom={catalogue["office"].id: "x" * 11}))


def test_private_fields_are_required_for_staff_but_can_be_skipped(ctx, catalogue):
    f = catalogue
    base = {f["system"].id: "Linux"}
    with pytest.raises(ValidationFailed, match="Please fill in Internal score"):
        services.create_request(_input(category_id=f["support"].id, custom=base), public_only=False)
    req = services.create_request(_input(category_id=f["support"].id, custom={}), public_only=False,
                                  skip_custom_checks=True)
    assert req.category_id == f["support"].id


def test_portal_cannot_submit_to_a_non_public_category(ctx, catalogue):
    with pytest.raises(ValidationFailed, match="listed categories"):
        services.create_request(_input(category_id=catalogue["internal"].id))
    assert services.create_request(_input(category_id=catalogue["internal"].id), public_only=False).category


def test_link_stuffed_requests_are_kept_as_spam(ctx):
    settings.set_value("spam_link_count", 3)
    note = "buy http://a.example http://b.example http://c.example"
    req = services.create_request(_input(note=note))
    assert req.status_id == STATUS_SPAM and req.assigned_to_id is None
    clean = services.create_request(_input(note="see http://a.example"))
    assert clean.status_id == 1


def test_attachments_are_stored_by_content_and_checked(ctx, app, tmp_path):
    upload = Upload("../../etc/passwd", b"root:x:0:0", "text/plain")
    req = services.create_request(_input(), [upload])
    [attachment] = req.notes[0].attachments
    assert attachment.filename == "passwd" and attachment.size == 10
    from portal import files
    path = files.path_for(attachment.sha256)
    assert path.read_bytes() == b"root:x:0:0" and str(path).startswith(app.config["UPLOAD_DIR"])
    assert path.stat().st_mode & 0o111 == 0
    with pytest.raises(ValidationFailed, match=r"\.exe are not accepted"):
        services.create_request(_input(), [Upload("setup.exe", b"MZ")])
    settings.set_value("max_upload_mb", 1)
    with pytest.raises(ValidationFailed, match="larger than 1 MB"):
        services.create_request(_input(), [Upload("big.bin", b"x" * 1_000_001)])


def test_access_keys(ctx):
    req = services.create_request(_input())
    db.session.commit()
    assert services.find_by_access_key(req.access_key).id == req.id
    assert services.find_by_access_key(f"  {req.access_key} ").id == req.id
    for wrong in (f"{req.id}{req.password.swapcase()}", f"{req.id}", "abc", "", f"{req.id + 1}{req.password}"):
        with pytest.raises(NotFound):
            services.find_by_access_key(wrong)


def test_merged_keys_only_reveal_the_target_with_the_right_password(ctx):
    target = services.create_request(_input())
    db.session.add(RequestMerge(old_id=9999, old_password="abcdef", request_id=target.id))
    db.session.commit()
    with pytest.raises(Merged) as caught:
        services.find_by_access_key("9999abcdef")
    assert caught.value.target_id == target.id
    with pytest.raises(NotFound) as wrong:
        services.find_by_access_key("9999zzzzzz")
    assert not isinstance(wrong.value, Merged)


def test_customer_update_reopens_untrashes_and_adds_a_public_note(ctx):
    req = services.create_request(_input())
    req.is_open, req.closed_at, req.status_id, req.trashed = False, utcnow(), 3, True
    db.session.commit()
    note = services.add_customer_update(req, "Still broken", [Upload("log.txt", b"error 42")])
    db.session.commit()
    assert req.is_open and req.status_id == 1 and not req.trashed
    assert note.is_public and note.author_id == 0 and note.attachments[0].filename == "log.txt"
    assert any(n.log == "Request reopened" for n in req.notes)


def test_customer_update_needs_text_and_respects_the_history_limit(ctx):
    req = services.create_request(_input())
    with pytest.raises(ValidationFailed):
        services.add_customer_update(req, "   ")
    settings.set_value("max_request_history", 2)
    services.add_customer_update(req, "one more")
    with pytest.raises(Conflict, match="history limit"):
        services.add_customer_update(req, "too many")


def test_public_history_is_pinned_first_then_newest_first_and_hides_private_notes(ctx):
    req = services.create_request(_input())
    first = req.notes[0]
    first.created_at = utcnow() - timedelta(hours=3)
    later = Note(request=req, body="later", created_at=utcnow() - timedelta(hours=1))
    pinned = Note(request=req, body="pinned", pinned=True, created_at=utcnow() - timedelta(hours=2))
    private = Note(request=req, body="secret", is_public=False)
    db.session.add_all([later, pinned, private])
    db.session.commit()
    assert [n.body for n in services.history(req)] == ["pinned", "later", first.body]


def test_closed_requests_hide_after_the_configured_days_except_from_their_owner(ctx):
    req = services.create_request(_input())
    req.is_open, req.closed_at = False, utcnow() - timedelta(days=3)
    settings.set_value("closed_visible_days", 2)
    assert services.hidden_from_public(req)
    owner = Customer(email="tim@example.com")
    stranger = Customer(email="eve@example.com")
    assert not services.hidden_from_public(req, owner)
    assert services.hidden_from_public(req, stranger)
    settings.set_value("closed_visible_days", 5)
    assert not services.hidden_from_public(req)


def test_requests_for_email_lists_newest_first(ctx):
    older = services.create_request(_input(title="older"))
    older.opened_at = utcnow() - timedelta(days=1)
    services.create_request(_input(title="newer"))
    services.create_request(_input(email="someone@else.com"))
    db.session.commit()
    page = reading.customer_requests("TIM@example.com")
    assert [r.title for r in page.items] == ["newer", "older"] and page.total == 2
    assert [r.summary for r in page.items] == [r.summary for r in page.items if r.summary]  # the first notes
    assert page.items[0].access_key.startswith(str(page.items[0].id))
