"""Private methods of the staff workspace: merge, trash, spam, subscriptions, time events, canned responses,
the address book, multiGet and getChanged. Each parses, calls a service in portal.requests, and shapes the
reply after HelpSpot's manual (its sample responses give the element names)."""
from datetime import date, datetime

from ...accounts.models import Staff
from ...dates import from_unix, to_unix
from ...errors import Forbidden, NotFound, ValidationFailed
from ...extensions import db
from ...requests import addressbook, categories, merging, responses, services, subscriptions, timelog, workflow
from ...requests.models import Request
from ...requests.workspace_models import TimeEvent
from .. import readable, shapes
from ..errors import ApiError, error
from ..registry import Params, api_method


def _visible_request(p: Params, name: str = "xRequest") -> Request:
    """The request named by ``name`` (following a merge) if the caller may see it. Raises ApiError 103."""
    workflow.require(p.staff)
    req = services.survivor(p.id(name))
    if req is None or not categories.may_see(p.staff, req):
        raise ApiError.of(103)
    return req


@api_method("private.request.merge", "results", required=("xRequestFrom", "xRequestTo"))
def private_request_merge(p: Params):
    source, target = _visible_request(p, "xRequestFrom"), _visible_request(p, "xRequestTo")
    try:
        merging.merge(source, target, p.staff)
    except ValidationFailed as exc:
        raise ApiError(error(213, exc.message)) from None
    return {"xRequest": str(target.id)}


@api_method("private.request.markTrash", "result", required=("xRequest",), optional=("fTrash",))
def private_request_mark_trash(p: Params):
    req = _visible_request(p)
    if p.has("fTrash") and not p.flag("fTrash"):  # a Portico addition: fTrash=0 takes it out again
        workflow.restore(req, p.staff)
        return {"restored": str(req.id)}
    workflow.trash(req, p.staff)
    return {"trashed": str(req.id)}


@api_method("private.request.markSpam", "result", required=("xRequest",))
def private_request_mark_spam(p: Params):
    req = _visible_request(p)
    workflow.mark_spam(req, p.staff)
    return {"spammed": str(req.id)}


def _person_id(p: Params) -> int:
    """``xPerson`` as sent: a value that is not an id is refused (never read as "the caller")."""
    person_id = p.id("xPerson")
    if not person_id:
        raise ValidationFailed(("xPerson", "No staff member who handles requests has that id."))
    return person_id


@api_method("private.request.subscribe", "results", required=("xRequest", "xPerson"))
def private_request_subscribe(p: Params):
    req = _visible_request(p)
    try:
        row = subscriptions.subscribe(req, p.staff, _person_id(p))
    except ValidationFailed as exc:
        raise ApiError(error(214, exc.message)) from None
    return {"subscribed": str(row.staff_id)}


@api_method("private.request.unsubscribe", "results", required=("xRequest", "xPerson"))
def private_request_unsubscribe(p: Params):
    req = _visible_request(p)
    try:
        subscriptions.unsubscribe(req, p.staff, _person_id(p))
    except ValidationFailed as exc:
        raise ApiError(error(214, exc.message)) from None
    return {"unsubscribed": str(p.id("xPerson"))}


@api_method("private.request.subscriptions", "subscriptions", required=("xPerson",))
def private_request_subscriptions(p: Params):
    workflow.require(p.staff)
    try:
        rows = subscriptions.subscriptions_of(p.staff, p.id("xPerson"))
    except ValidationFailed:
        raise ApiError.of(103) from None
    return {"request": [shapes.row({"xRequest": row.request_id, "xSubscriptions": row.id}) for row in rows]}


@api_method("private.request.addTimeEvent", "results",
            required=("xRequest", "xPerson", "iMonth", "iDay", "iYear", "tDescription", "tTime"),
            optional=("dtGMTDateAdded", "fBillable"))
def private_request_add_time_event(p: Params):
    req = _visible_request(p)
    person = db.session.get(Staff, p.id("xPerson"))
    try:
        if person is None:
            raise ValidationFailed(("xPerson", "No staff member has that id."))
        day = timelog.work_day(p.int("iYear"), p.int("iMonth"), p.int("iDay"))
        added = p.int("dtGMTDateAdded")
        event = timelog.add_time(req, p.staff, duration=p.text("tTime"), description=p.get("tDescription"),
                                 work_date=day, billable=p.flag("fBillable"), person=person,
                                 added_at=from_unix(added) if added else None)
    except ValidationFailed as exc:
        raise ApiError(error(209, exc.message)) from None
    return {"xTimeId": str(event.id)}


@api_method("private.request.deleteTimeEvent", "results", required=("xTimeId",))
def private_request_delete_time_event(p: Params):
    workflow.require(p.staff)
    event = db.session.get(TimeEvent, p.id("xTimeId"))
    if event is None or not categories.may_see(p.staff, db.session.get(Request, event.request_id)):
        raise ApiError(error(209, "That time event does not exist."))
    try:
        timelog.delete_time(event.id, p.staff)
    except (NotFound, Forbidden) as exc:
        raise ApiError(error(209, exc.message)) from None
    return {"deleted": "1"}


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def time_event_row(event: TimeEvent, raw: bool, extra: dict | None = None) -> dict:
    day_stamp = to_unix(datetime(event.work_date.year, event.work_date.month, event.work_date.day))
    person = event.staff.full_name if event.staff else ""
    fields = {"xTimeId": event.id, "xRequest": event.request_id,
              "xPerson": (event.staff_id or 0) if raw else person,
              "iSeconds": event.seconds, "dtGMTDate": day_stamp if raw else _day(event.work_date),
              "dtGMTDateAdded": to_unix(event.created_at) if raw else readable.change_date(
                  str(to_unix(event.created_at))),
              "tDescription": event.description, "fBillable": event.billable}
    return shapes.row({**fields, **(extra or {})})


@api_method("private.request.getTimeEvents", "time_events", required=("xRequest",), optional=("fRawValues",))
def private_request_get_time_events(p: Params):
    req = _visible_request(p)
    raw = p.flag("fRawValues")
    return {"event": [time_event_row(event, raw) for event in timelog.time_events(req)]}


@api_method("private.timetracker.search", "time_events",
            optional=("sUserId", "sEmail", "sFirstName", "sLastName", "fOpen", "xStatus", "fOpenedVia", "xCategory",
                      "fUrgent", "xPersonAssignedTo", "xPersonOpenedBy", "start_time", "end_time", "fRawValues",
                      "orderBy", "orderByDir", "start", "length"))
def private_timetracker_search(p: Params):
    workflow.require(p.staff)
    found = timelog.search(p.staff, criteria={
        name: p.text(name) for name in ("sUserId", "sEmail", "sFirstName", "sLastName", "fOpen", "xStatus",
                                        "fOpenedVia", "xCategory", "fUrgent", "xPersonAssignedTo", "xPersonOpenedBy")
        if p.has(name)}, start_time=p.int("start_time"), end_time=p.int("end_time"),
        newest_first=p.text("orderByDir").lower() != "asc", start=max(0, p.int("start", 0)),
        length=p.int("length", 0) or 1000)
    raw = p.flag("fRawValues")
    return {"event": [time_event_row(event, raw, {"sUserId": req.user_id, "sFirstName": req.first_name,
                                                  "sLastName": req.last_name, "sEmail": req.email})
                      for event, req in found]}


def response_row(response, *, listing: bool) -> dict:
    fields = {"xResponse": response.id, "sResponseTitle": response.title, "sFolder": response.folder,
              "tResponse": response.body, "xPerson": response.created_by_id or 0,
              "fType": responses.HELPSPOT_TYPE_SHARED if response.shared else responses.HELPSPOT_TYPE_PERSONAL,
              "fDeleted": response.deleted}
    if listing:
        fields["fullname"] = response.created_by.full_name if response.created_by else ""
        fields["pathname"] = " / ".join(part for part in (response.folder, response.title) if part)
    return shapes.row(fields)


@api_method("private.response.listAll", "responses")
def private_response_list_all(p: Params):
    return {"response": [response_row(r, listing=True) for r in responses.list_responses(p.staff)]}


@api_method("private.response.get", "response", required=("xResponse",))
def private_response_get(p: Params):
    try:
        return response_row(responses.get_response(p.staff, p.id("xResponse")), listing=False)
    except NotFound:
        return {}  # HelpSpot answers an empty root for an id it does not find


@api_method("private.response.usersMostCommon", "responses")
def private_response_users_most_common(p: Params):
    return {"response": [shapes.row({"xResponse": r.id, "sResponseTitle": r.title, "stat_count": uses})
                         for r, uses in responses.most_used(p.staff)]}


@api_method("private.addressbook.createContact", "addressbook", required=("sFirstName", "sLastName", "sEmail"),
            optional=("sTitle", "sDescription", "fHighlight"))
def private_addressbook_create(p: Params):
    try:
        contact = addressbook.create_contact(p.staff, first_name=p.text("sFirstName"), last_name=p.text("sLastName"),
                                             email=p.text("sEmail"), title=p.text("sTitle"),
                                             description=p.get("sDescription"), highlight=p.flag("fHighlight"))
    except ValidationFailed as exc:
        raise ApiError(*[error(105) if field == "email" else error(101, field) for field, _ in exc.errors]) from None
    return {"xContact": str(contact.id)}


@api_method("private.addressbook.deleteContact", "addressbook", required=("xContact",))
def private_addressbook_delete(p: Params):
    return {"deleted": "1" if addressbook.delete_contact(p.staff, p.id("xContact")) else "0"}


@api_method("private.addressbook.getContacts", "addressbook")
def private_addressbook_get(p: Params):
    return {"contact": [shapes.row({"xContact": c.id, "sFirstName": c.first_name, "sLastName": c.last_name,
                                    "sEmail": c.email, "sTitle": c.title, "sDescription": c.description,
                                    "fHighlight": c.highlight}) for c in addressbook.contacts(p.staff)]}


@api_method("private.user.preferences", "preferences")
def private_user_preferences(p: Params):
    """The caller's own row of private.util.getActiveStaff, without ``fullname`` (as the manual's sample)."""
    from .private_util import private_get_active_staff

    mine = [row for row in private_get_active_staff(p)["person"] if row["xPerson"] == str(p.staff.id)]
    if not mine:
        raise ApiError.of(2)
    return {key: value for key, value in mine[0].items() if key != "fullname"}


@api_method("private.document.get", "document", required=("xDocumentId",))
def private_document_get(p: Params):
    """A request attachment with its bytes in base64; an id not found (or in a category the caller may not
    see) answers an empty root, as the KB methods do."""
    import base64

    from ...files import read
    from ...requests.models import Attachment

    workflow.require(p.staff)
    item = db.session.get(Attachment, p.id("xDocumentId"))
    if item is None or not categories.may_see(p.staff, item.note.request):
        return {}
    try:
        body = base64.b64encode(read(item.sha256)).decode()
    except (OSError, ValueError):
        return {}
    return shapes.row({"xDocumentId": item.id, "sFilename": item.filename, "sFileMimeType": item.mime_type,
                       "sCID": "", "sBody": body})
