"""HelpSpot's private workspace methods: merge, trash, spam, subscriptions, time events, responses, the
address book, multiGet and getChanged, with the manual's element names."""
import xml.etree.ElementTree as ET

import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import categories, responses
from portal.requests.models import Request, RequestMerge
from portal.requests.workspace_models import Contact, RequestSubscription, TimeEvent

from .conftest import basic, error_ids

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def ian(make_staff):
    return make_staff("ian@example.com", first_name="Ian", last_name="Landsman")


@pytest.fixture
def pcall(api, ian):
    def call(method, **params):
        return api.call(method, headers=AUTH, **params)
    return call


def xml(response):
    return ET.fromstring(response.data)


def test_merge_moves_history_and_answers_the_target(pcall, build, app):
    source, old_key = build.request("Duplicate")
    target, _ = build.request("Original")
    root = xml(pcall("private.request.merge", via="multipart", xRequestFrom=source, xRequestTo=target))
    assert root.tag == "results" and root.findtext("xRequest") == str(target)
    with app.app_context():
        assert db.session.get(Request, source) is None
        assert db.session.get(RequestMerge, source).request_id == target
        assert {n.body for n in db.session.get(Request, target).notes} >= {"Duplicate", "Original"}
    # the old id now finds the survivor; the old key is answered with 208 and the new id
    got = pcall("private.request.get", xRequest=source, fRawValues=1, output="json").get_json(force=True)
    assert got["xRequest"] == str(target)
    public = pcall("request.get", accesskey=old_key, output="json").get_json(force=True)
    assert public["error"][0]["id"] == 208 and str(public["error"][0]["xRequest"]) == str(target)
    same = pcall("private.request.merge", xRequestFrom=target, xRequestTo=target)
    assert error_ids(xml(same)) == [213]
    assert error_ids(xml(pcall("private.request.merge", xRequestFrom=999999, xRequestTo=target))) == [103]


def test_mark_trash_and_back_and_spam(pcall, build, app):
    request_id, _ = build.request()
    root = xml(pcall("private.request.markTrash", via="body", xRequest=request_id))
    assert root.tag == "result" and root.findtext("trashed") == str(request_id)
    with app.app_context():
        assert db.session.get(Request, request_id).trashed
    assert xml(pcall("private.request.markTrash", xRequest=request_id, fTrash=0)).findtext("restored")
    with app.app_context():
        assert not db.session.get(Request, request_id).trashed
    assert xml(pcall("private.request.markSpam", xRequest=request_id)).findtext("spammed") == str(request_id)
    with app.app_context():
        assert db.session.get(Request, request_id).status_id == 2
    assert error_ids(xml(pcall("private.request.markTrash", xRequest=0))) == [103]
    assert error_ids(xml(pcall("private.request.markTrash"))) == [101]


def test_subscribe_unsubscribe_subscriptions(pcall, build, make_staff, app):
    request_id, _ = build.request()
    colleague = make_staff("kim@example.com")
    moderator = make_staff("mod@example.com", role="moderator")
    assert xml(pcall("private.request.subscribe", xRequest=request_id, xPerson=colleague)).findtext(
        "subscribed") == str(colleague)
    subs = pcall("private.request.subscriptions", xPerson=colleague, output="json").get_json(force=True)
    with app.app_context():
        row = db.session.execute(db.select(RequestSubscription)).scalar_one()
    assert subs == {"request": [{"xRequest": str(request_id), "xSubscriptions": str(row.id)}]}
    assert error_ids(xml(pcall("private.request.subscribe", xRequest=request_id, xPerson=moderator))) == [214]
    assert xml(pcall("private.request.unsubscribe", xRequest=request_id, xPerson=colleague)).findtext(
        "unsubscribed") == str(colleague)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RequestSubscription.id))) == 0


def test_time_events_add_get_delete(pcall, build, ian, app):
    request_id, _ = build.request()
    root = xml(pcall("private.request.addTimeEvent", via="multipart", xRequest=request_id, xPerson=ian,
                     iMonth=10, iDay=21, iYear=2007, tDescription="fixed printer", tTime="2:30", fBillable=1))
    time_id = root.findtext("xTimeId")
    assert root.tag == "results" and time_id
    events = xml(pcall("private.request.getTimeEvents", xRequest=request_id))
    event = events.find("event")
    assert events.tag == "time_events"
    assert [child.tag for child in event][:7] == ["xTimeId", "xRequest", "xPerson", "iSeconds", "dtGMTDate",
                                                  "dtGMTDateAdded", "tDescription"]
    assert event.findtext("xPerson") == "Ian Landsman" and event.findtext("iSeconds") == "9000"
    assert event.findtext("dtGMTDate") == "October 21, 2007"
    raw = pcall("private.request.getTimeEvents", xRequest=request_id, fRawValues=1,
                output="json").get_json(force=True)
    assert raw["event"][0]["xPerson"] == str(ian) and raw["event"][0]["dtGMTDate"] == "1192924800"
    found = pcall("private.timetracker.search", sEmail="tsmith@companyco.com", start_time=0,
                  output="json").get_json(force=True)
    assert [e["xTimeId"] for e in found["event"]] == [time_id] and found["event"][0]["sEmail"]
    bad = pcall("private.request.addTimeEvent", xRequest=request_id, xPerson=ian, iMonth=2, iDay=30,
                iYear=2007, tDescription="x", tTime="1:00")
    assert error_ids(xml(bad)) == [209]
    bad_time = pcall("private.request.addTimeEvent", xRequest=request_id, xPerson=ian, iMonth=2, iDay=3,
                     iYear=2007, tDescription="x", tTime="soon")
    assert error_ids(xml(bad_time)) == [209]
    assert xml(pcall("private.request.deleteTimeEvent", xTimeId=time_id)).findtext("deleted") == "1"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(TimeEvent.id))) == 0
    assert error_ids(xml(pcall("private.request.deleteTimeEvent", xTimeId=time_id))) == [209]


def test_responses(pcall, ian, app, ctx):
    staff = db.session.get(Staff, ian)
    shared = responses.create_response(staff, title="Password Reset", body="Hello {customer_name}", shared=True,
                                       folder="Accounts")
    mine = responses.create_response(staff, title="Thanks", body="Thank you")
    responses.use(staff, mine.id)
    db.session.commit()
    listing = xml(pcall("private.response.listAll"))
    assert listing.tag == "responses"
    first = listing.find("response")
    assert [c.tag for c in first] == ["xResponse", "sResponseTitle", "sFolder", "tResponse", "xPerson", "fType",
                                      "fDeleted", "fullname", "pathname"]
    assert first.findtext("pathname") == "Accounts / Password Reset" and first.findtext("fType") == "1"
    one = xml(pcall("private.response.get", xResponse=mine.id))
    assert one.tag == "response" and one.findtext("sFolder") == "My Responses" and one.findtext("fType") == "2"
    assert one.find("fullname") is None
    common = pcall("private.response.usersMostCommon", output="json").get_json(force=True)
    assert common == {"response": [{"xResponse": str(mine.id), "sResponseTitle": "Thanks", "stat_count": "1"}]}
    assert shared.id


def test_addressbook(pcall, app):
    created = xml(pcall("private.addressbook.createContact", via="body", sFirstName="Jane", sLastName="Doe",
                        sEmail="Jane.Doe@example.com", sTitle="CEO", fHighlight=1))
    assert created.tag == "addressbook"
    contact_id = created.findtext("xContact")
    got = pcall("private.addressbook.getContacts", output="json").get_json(force=True)
    assert got["contact"][0] == {"xContact": contact_id, "sFirstName": "Jane", "sLastName": "Doe",
                                 "sEmail": "jane.doe@example.com", "sTitle": "CEO", "sDescription": "",
                                 "fHighlight": "1"}
    assert error_ids(xml(pcall("private.addressbook.createContact", sFirstName="A", sLastName="B",
                               sEmail="nope"))) == [105]
    assert xml(pcall("private.addressbook.deleteContact", xContact=contact_id)).findtext("deleted") == "1"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Contact.id))) == 0


def test_category_limits_hold_in_the_api(pcall, build, ian, make_staff, app):
    allowed = build.category("Billing")
    hidden = build.category("Sales")
    visible_id, _ = build.request("billing", category_id=allowed)
    hidden_id, _ = build.request("sales", category_id=hidden)
    admin = make_staff("boss@example.com", role="administrator")
    with app.app_context():
        categories.set_allowed(db.session.get(Staff, admin), db.session.get(Staff, ian), [allowed])
        db.session.commit()
    assert error_ids(xml(pcall("private.request.markTrash", xRequest=hidden_id))) == [103]
    assert error_ids(xml(pcall("private.request.getTimeEvents", xRequest=hidden_id))) == [103]
    assert xml(pcall("private.request.getTimeEvents", xRequest=visible_id)).tag == "time_events"


def test_preferences_and_document(pcall, build, ian, app):
    import base64

    from portal.files import Upload

    prefs = xml(pcall("private.user.preferences"))
    assert prefs.tag == "preferences" and prefs.findtext("xPerson") == str(ian)
    assert prefs.findtext("sEmail") == "ian@example.com" and prefs.find("fullname") is None
    request_id, _ = build.request(uploads=[Upload("notes.txt", b"hello there", "text/plain")])
    with app.app_context():
        document_id = db.session.get(Request, request_id).notes[0].attachments[0].id
    doc = xml(pcall("private.document.get", xDocumentId=document_id))
    assert [c.tag for c in doc] == ["xDocumentId", "sFilename", "sFileMimeType", "sCID", "sBody"]
    assert base64.b64decode(doc.findtext("sBody")) == b"hello there" and doc.findtext("sFilename") == "notes.txt"
    assert len(xml(pcall("private.document.get", xDocumentId=999999))) == 0


def test_a_bad_xperson_is_refused_not_read_as_the_caller(pcall, build, ian, app):
    request_id, _ = build.request()
    pcall("private.request.subscribe", xRequest=request_id, xPerson=ian)
    for method in ("private.request.unsubscribe", "private.request.subscribe"):
        assert error_ids(xml(pcall(method, xRequest=request_id, xPerson="abc"))) == [214]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RequestSubscription.id))) == 1
