"""Private request methods, customer passwords and staff lists."""
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from portal.extensions import db
from portal.requests.models import Note, Request, RequestMerge

from .conftest import basic, error_ids, php_unserialize

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def ian(make_staff):
    return make_staff("ian@example.com", first_name="Ian", last_name="Landsman")


@pytest.fixture
def pcall(api, ian):
    def call(method, **params):
        return api.call(method, headers=AUTH, **params)
    return call


def test_get_raw_and_readable(pcall, app, build, ian):
    bugs = build.category("Bugs")
    request_id, key = build.request(first_name="Tim", category_id=bugs)
    with app.app_context():
        req = db.session.get(Request, request_id)
        req.opened_at = req.notes[0].created_at = datetime(2007, 9, 24, 19, 44)
        req.assigned_to_id = ian
        db.session.add(Note(request=req, body="", log='Category changed from "" to "Bugs"', is_public=False,
                            author_id=ian, created_at=datetime(2007, 9, 25, 11, 0)))
        db.session.commit()
    raw = pcall("private.request.get", xRequest=request_id, fRawValues=1, output="json").get_json(force=True)
    assert raw["xStatus"] == "1" and raw["xPersonAssignedTo"] == str(ian) and raw["fOpenedVia"] == "7"
    assert raw["dtGMTOpened"] == "1190663040"
    assert [i["fPublic"] for i in raw["request_history"]["item"]] == ["0", "1"]  # private rows too
    readable = pcall("private.request.get", xRequest=request_id, output="json").get_json(force=True)
    assert (readable["xStatus"], readable["xPersonAssignedTo"], readable["xCategory"], readable["fOpenedVia"]) == (
        "Active", "Ian Landsman", "Bugs", "Web Form")
    assert readable["dtGMTOpened"] == "September 24, 2007" and readable["dtGMTClosed"] == ""
    log, initial = readable["request_history"]["item"]
    assert log["xPerson"] == "Ian Landsman" and log["dtGMTChange"] == "Tue, September 25, 2007, 11:00 AM"
    assert log["tLog"] == 'Category changed from "" to "Bugs"' and initial["xPerson"] == " "


def test_get_follows_a_merge_and_errors(pcall, app, build):
    request_id, _ = build.request()
    with app.app_context():
        db.session.add(RequestMerge(old_id=777, old_password="x", request_id=request_id))
        db.session.commit()
    body = pcall("private.request.get", xRequest=777, output="json").get_json(force=True)
    assert body["xRequest"] == str(request_id)
    response = pcall("private.request.get", xRequest=999)
    assert response.status_code == 400 and b"<id>103</id>" in response.data
    assert b"<id>101</id>" in pcall("private.request.get").data


@pytest.mark.parametrize("via", ["body", "multipart", "both"])
def test_create(pcall, app, build, ian, via):
    bugs = build.category("Bugs")
    response = pcall("private.request.create", via=via, output="json", tNote="Staff opened", xCategory=bugs,
                     sEmail="cust@example.com", fNoteType=1, xPersonAssignedTo=ian, xStatus=7,
                     dtGMTOpened=1190663040)
    body = response.get_json(force=True)
    assert response.status_code == 200 and set(body) == {"xRequest"}
    with app.app_context():
        req = db.session.get(Request, int(body["xRequest"]))
        assert (req.assigned_to_id, req.status_id, req.opened_by_id, req.opened_via) == (ian, 7, ian, 6)
        assert req.opened_at == datetime(2007, 9, 24, 19, 44)
        assert req.notes[0].is_public and req.notes[0].author_id == ian
        assert any("Assigned" in n.log for n in req.notes)


def test_create_defaults_to_a_private_note_and_checks(pcall, app, build):
    bugs = build.category("Bugs")
    body = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs,
                 sUserId="9").get_json(force=True)
    with app.app_context():
        assert not db.session.get(Request, int(body["xRequest"])).notes[0].is_public
    response = pcall("private.request.create", via="body", tNote="x")
    assert error_ids(ET.fromstring(response.data)) == [101, 206]
    response = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs)
    assert response.get_json(force=True)["error"][0]["id"] == 207
    response = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs, sUserId="1",
                     xPersonAssignedTo=999)
    assert response.get_json(force=True)["error"][0]["id"] == 207


def test_create_private_custom_fields_and_skip_checks(pcall, app, build):
    internal = build.field(name="Internal", public=False, required=True, always_visible=True)
    bugs = build.category("Bugs")
    response = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs, sUserId="1")
    assert "Please fill in Internal" in response.get_json(force=True)["error"][0]["description"]
    response = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs, sUserId="1",
                     skipCustomChecks=1)
    assert response.status_code == 200
    response = pcall("private.request.create", via="body", output="json", tNote="x", xCategory=bugs, sUserId="1",
                     **{f"Custom{internal}": "kept"})
    with app.app_context():
        req = db.session.get(Request, int(response.get_json(force=True)["xRequest"]))
        assert [v.value for v in req.field_values] == ["kept"]


def test_update_note_status_and_close(pcall, app, build, ian):
    request_id, _ = build.request()
    response = pcall("private.request.update", via="both", output="json", xRequest=request_id, tNote="Fixed it",
                     fNoteType=1, xStatus=3)
    assert response.get_json(force=True) == {"xRequest": str(request_id)}
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert not req.is_open and req.status_id == 3
        reply = [n for n in req.notes if n.body == "Fixed it"][0]
        assert reply.is_public and reply.author_id == ian
        assert any(n.log.startswith("Status changed") for n in req.notes)
    pcall("private.request.update", via="body", xRequest=request_id, fOpen=1, tNote="private thought")
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert req.is_open and not [n for n in req.notes if n.body == "private thought"][0].is_public


def test_update_as_customer_and_errors(pcall, app, build):
    request_id, _ = build.request()
    pcall("private.request.update", via="body", xRequest=request_id, tNote="from customer", xPerson=0)
    with app.app_context():
        note = [n for n in db.session.get(Request, request_id).notes if n.body == "from customer"][0]
        assert note.author_id == 0 and note.is_public
    response = pcall("private.request.update", via="body", output="json", xRequest=request_id, xStatus=12345)
    assert response.get_json(force=True)["error"] == [{"id": 212, "description": "Could not update request: Unknown status."}]
    assert b"<id>103</id>" in pcall("private.request.update", via="body", xRequest=424242).data


def test_search(pcall, app, build):
    bugs = build.category("Bugs")
    first, _ = build.request(note="printer jam", last_name="Adams", category_id=bugs, title="Printer")
    second, _ = build.request(note="monitor flicker", last_name="Brown", email="b@example.com")
    body = pcall("private.request.search", output="json", sSearch="printer", fRawValues=1).get_json(force=True)
    assert [r["xRequest"] for r in body["request"]] == [str(first)]
    assert body["request"][0]["tNote"] == '<span class="initsubject">Printer</span> - printer jam'
    body = pcall("private.request.search", output="json", xCategory=bugs, sLastName="Brown", anyall="any",
                 orderBy="sLastName", orderByDir="asc").get_json(force=True)
    assert [r["sLastName"] for r in body["request"]] == ["Adams", "Brown"]
    assert body["request"][0]["xCategory"] == "Bugs"  # readable by default
    body = pcall("private.request.search", output="json", start=1, length=1, orderBy="xRequest",
                 orderByDir="asc").get_json(force=True)
    assert [r["xRequest"] for r in body["request"]] == [str(second)]
    assert pcall("private.request.search", output="json", sEmail="none@x.com").get_json(force=True) == {"request": []}


def test_categories_include_deleted_and_people(pcall, build, ian):
    hidden = build.field(name="Internal", public=False)
    bugs = build.category("Bugs", field_ids=[hidden])
    gone = build.category("Gone", deleted=True)
    body = pcall("private.request.getCategories", output="json").get_json(force=True)
    assert list(body["category"]) == [str(bugs), str(gone)]
    bug = body["category"][str(bugs)]
    assert bug["sCustomFieldList"] == {"xCustomField": [str(hidden)]} and bug["fDeleted"] == "0"
    assert bug["sPersonList"]["person"] == [{"xPerson": str(ian), "fullname": "Ian Landsman",
                                             "assigned_requests": "0"}]
    assert body["category"][str(gone)]["fDeleted"] == "1"


def test_custom_fields_all_or_by_category(pcall, build):
    public = build.field(name="Office", position=0)
    hidden = build.field(name="Internal", public=False, position=1)
    bugs = build.category("Bugs", field_ids=[hidden])
    body = pcall("private.request.getCustomFields", output="json").get_json(force=True)
    assert list(body["field"]) == [str(public), str(hidden)] and body["field"][str(hidden)]["isPublic"] == "0"
    body = pcall("private.request.getCustomFields", output="json", xCategory=bugs).get_json(force=True)
    assert list(body["field"]) == [str(hidden)]


def test_status_types(pcall, app):
    body = pcall("private.request.getStatusTypes", output="json").get_json(force=True)
    assert body["status"][0] == {"sStatus": "Active", "xStatus": "1"} and body["status"][-1]["sStatus"] == "Spam"
    from portal.requests.models import Status
    with app.app_context():
        db.session.get(Status, 7).active = False
        db.session.commit()
    active = pcall("private.request.getStatusTypes", output="json").get_json(force=True)["status"]
    every = pcall("private.request.getStatusTypes", output="json", fActiveOnly=0).get_json(force=True)["status"]
    assert len(every) == len(active) + 1
    xml = pcall("private.request.getStatusTypes").data.decode()
    assert "<results>\n\t<status>\n\t\t<sStatus>Active</sStatus>\n\t\t<xStatus>1</xStatus>" in xml


def test_set_customer_password(pcall, api, build):
    body = pcall("private.customer.setPasswordByEmail", output="json", sEmail="tsmith@companyco.com",
                 sPassword="newpass99").get_json(force=True)
    assert body == {"sPassword": "newpass99"}
    build.request()
    response = api.call("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="newpass99")
    assert response.status_code == 200
    assert b"<id>105</id>" in pcall("private.customer.setPasswordByEmail", sEmail="bad", sPassword="x").data
    assert pcall("private.customer.setPasswordByEmail").data.count(b"<id>101</id>") == 2


def test_active_staff(pcall, make_staff, ian):
    make_staff("gone@example.com")
    body = pcall("private.util.getActiveStaff", output="php").data.decode()
    people = php_unserialize(body)["person"]
    assert [p["sEmail"] for p in people.values()] == ["gone@example.com", "ian@example.com"]
    assert people[1]["fullname"] == "Ian Landsman" and people[1]["fUserType"] == "2"


def test_all_staff_lists_the_deactivated_too(pcall, app, make_staff, ian):
    from portal.accounts.models import Staff

    gone = make_staff("gone@example.com")
    with app.app_context():
        db.session.get(Staff, gone).active = False
        db.session.commit()
    active = pcall("private.util.getActiveStaff", output="json").get_json(force=True)["person"]
    assert [p["sEmail"] for p in active] == ["ian@example.com"]
    every = pcall("private.util.getAllStaff", output="json").get_json(force=True)["person"]
    assert [(p["sEmail"], str(p["fDeleted"])) for p in every] == [("gone@example.com", "1"),
                                                                   ("ian@example.com", "0")]
    root = ET.fromstring(pcall("private.util.getAllStaff").data)
    assert root.tag == "staff" and [c.tag for c in root.find("person")] == [c.tag for c in ET.fromstring(
        pcall("private.util.getActiveStaff").data).find("person")]


def test_get_mailboxes_lists_the_imap_mailboxes_without_secrets(pcall, app, api):
    from portal.inbound.models import Mailbox

    root = ET.fromstring(pcall("private.request.getMailboxes").data)
    assert root.tag == "results" and [len(box) for box in root.findall("mailbox")] == [0]  # none: one empty element
    with app.app_context():
        db.session.add_all([
            Mailbox(name="Support", host="imap.example.com", username="help@example.com", password="s3cret"),
            Mailbox(name="Billing", host="imap.example.com", username="billing", password="s3cret"),
            Mailbox(name="Old", host="imap.example.com", username="old@example.com", password="s3cret", active=False)])
        db.session.commit()
        ids = {m.name: m.id for m in db.session.execute(db.select(Mailbox)).scalars()}
    response = pcall("private.request.getMailboxes")
    root = ET.fromstring(response.data)
    boxes = [{c.tag: c.text for c in box} for box in root.findall("mailbox")]
    assert boxes == [{"xMailbox": str(ids["Billing"]), "sReplyName": "Billing", "sReplyEmail": None},
                     {"xMailbox": str(ids["Support"]), "sReplyName": "Support", "sReplyEmail": "help@example.com"}]
    assert b"s3cret" not in response.data and b"imap.example.com" not in response.data
    every = pcall("private.request.getMailboxes", output="json", fActiveOnly=0).get_json(force=True)["mailbox"]
    assert [m["sReplyName"] for m in every] == ["Billing", "Old", "Support"]
    assert api.call("private.request.getMailboxes").status_code == 401  # staff only
