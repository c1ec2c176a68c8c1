"""Private request methods: get, create, update, search. Staff rights apply (portal.requests.workflow).

Staff changes go through the workflow services, so every change is logged in the request's history
exactly as in the staff workspace.
"""
from ...dates import from_unix
from ...errors import Conflict, ValidationFailed
from ...notifications import services as notifications
from ...requests import categories, copies, services, tags, workflow
from ...requests import fields as custom_fields
from ...requests.models import VIA_WEB_SERVICE, Request
from .. import readable, shapes
from ..errors import ApiError, error
from ..registry import Params, api_method
from .requests import CONTACT_PARAMS, validation_errors


def find_request(p: Params) -> Request:
    """``xRequest``, following a merge to the request it went into. Raises ApiError 103."""
    req = services.survivor(p.id("xRequest"))
    if req is None or not categories.may_see(p.staff, req):
        raise ApiError.of(103)
    return req


@api_method("private.request.get", "request", required=("xRequest",), optional=("fRawValues",))
def private_request_get(p: Params):
    workflow.require(p.staff)
    req = find_request(p)
    result = {**shapes.request_fields(req, custom_fields.all_fields(public_only=False)),
              "reportingTags": shapes.reporting_tags(req),
              "request_history": {"item": [shapes.history_item(req, note) for note in services.history(req, p.staff)]}}
    return result if p.flag("fRawValues") else readable.readable(req, result)


def reporting_tags(p: Params):
    """``reportingTags``: tag ids (HelpSpot's xReportingTag) or names, separated by commas; None when absent.
    Raises ValidationFailed."""
    if not p.has("reportingTags"):
        return None
    parts = [part.strip() for part in p.text("reportingTags").split(",") if part.strip()]
    ids = [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 10]
    names = [part for part in parts if not (part.isascii() and part.isdigit() and len(part) <= 10)]
    return tags.by_ids(ids) + [t for t in tags.named(names) if t.id not in ids]


def note_type_public(p: Params) -> bool:
    """fNoteType: 0 private (default), 1 public; 2 (external) is stored as a private note."""
    return p.int("fNoteType", 0) == 1


def note_copies(p: Params, *, has_note: bool = True) -> copies.Copies:
    """``email_cc``, ``email_bcc``, ``email_to``, checked against the note's type (portal.requests.copies).
    Raises ValidationFailed."""
    wanted = copies.parse(p.text("email_cc"), p.text("email_bcc"), p.text("email_to"))
    if wanted and not has_note:
        raise ValidationFailed(("email_cc", "Copies go with a note: send tNote."))
    copies.check_note_kind(wanted, public=note_type_public(p), external=p.int("fNoteType", 0) == 2)
    return wanted


def send_copies(p: Params, req: Request, note, wanted: copies.Copies) -> None:
    if wanted and p.text("email_from") != "0":  # email_from=0: an import, no mail at all
        copies.send(req, note, p.staff, wanted)


def optional_id(p: Params, name: str):
    """``...`` (leave alone) when absent, None for 0, else the id."""
    if not p.has(name):
        return ...
    return p.int(name, 0) or None


@api_method("private.request.create", "request", required=("tNote", "xCategory"), on_missing=206,
            optional=("xPersonAssignedTo", "fNoteType", "fNoteIsHTML", "sTitle", "fOpen", "xStatus", "sUserId",
                      "sFirstName", "sLastName", "sEmail", "sPhone", "fUrgent", "fOpenedVia", "dtGMTOpened",
                      "email_from", "email_staff", "skipCustomChecks", "File#_sFilename", "File#_sFileMimeType",
                      "File#_bFileBody", "Custom#", "reportingTags", "email_cc", "email_bcc", "email_to"))
def private_request_create(p: Params):
    workflow.require(p.staff)
    try:
        wanted = note_copies(p)
    except ValidationFailed as exc:
        raise validation_errors(207, exc) from None
    data = services.RequestInput(
        note=p.get("tNote"), title=p.text("sTitle"), urgent=bool(p.int("fUrgent", 0)),
        category_id=p.int("xCategory") or None, custom=p.custom(), note_is_html=p.flag("fNoteIsHTML"),
        opened_via=p.int("fOpenedVia", VIA_WEB_SERVICE), **{a: p.text(n) for n, a in CONTACT_PARAMS.items()})
    try:
        req = services.create_request(data, p.uploads(), staff=p.staff, public_only=False, check_spam=False,
                                      skip_custom_checks=p.flag("skipCustomChecks"),
                                      note_public=note_type_public(p), notify_customer=False)
        workflow.update_request(req, p.staff, status_id=p.int("xStatus"),
                                assigned_to_id=optional_id(p, "xPersonAssignedTo"),
                                is_open=p.flag("fOpen", True) if p.has("fOpen") else None,
                                tags=reporting_tags(p))
        notifications.named(req, notifications.parse_staff_ids(p.text("email_staff")), req.initial_note, p.staff)
    except ValidationFailed as exc:
        raise validation_errors(207, exc) from None
    if opened := p.int("dtGMTOpened"):  # an import keeps the original time
        req.opened_at = from_unix(opened)
    send_copies(p, req, next(note for note in req.notes if note.is_initial), wanted)
    return {"xRequest": str(req.id)}


@api_method("private.request.update", "request", required=("xRequest",),
            optional=("tNote", "xCategory", "xPersonAssignedTo", "xPerson", "fNoteType", "fNoteIsHTML", "fOpen",
                      "xStatus", "fUrgent", "email_from", "email_staff", "File#_sFilename", "File#_sFileMimeType",
                      "File#_bFileBody", "reportingTags", "email_cc", "email_bcc", "email_to"))
def private_request_update(p: Params):
    workflow.require(p.staff)
    req = find_request(p)
    try:
        uploads, note = p.uploads(), None
        named = notifications.parse_staff_ids(p.text("email_staff"))
        wanted = note_copies(p, has_note=p.has("tNote") or bool(uploads))
        workflow.update_request(req, p.staff, status_id=p.int("xStatus"), category_id=optional_id(p, "xCategory"),
                                assigned_to_id=optional_id(p, "xPersonAssignedTo"),
                                urgent=bool(p.int("fUrgent", 0)) if p.has("fUrgent") else None,
                                is_open=p.flag("fOpen") if p.has("fOpen") else None, tags=reporting_tags(p))
        if p.has("tNote") or uploads:
            if p.has("xPerson") and p.int("xPerson") == 0:  # written as the customer
                note = services.add_customer_update(req, p.get("tNote"), uploads)
            else:
                note = workflow.add_staff_note(req, p.staff, p.get("tNote"), public=note_type_public(p),
                                               is_html=p.flag("fNoteIsHTML"), uploads=uploads,
                                               notify_customer=p.text("email_from") != "0")
                send_copies(p, req, note, wanted)
        notifications.named(req, named, note, p.staff)
    except Conflict:
        raise ApiError.of(106) from None
    except ValidationFailed as exc:
        raise ApiError(*[error(212, reason) for _, reason in exc.errors]) from None
    return {"xRequest": str(req.id)}
