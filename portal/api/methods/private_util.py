"""Private lookups: categories, custom fields, status types, mailboxes, staff, and customer portal passwords."""
from email.utils import parseaddr

from flask import current_app

from ...accounts import services as accounts
from ...accounts.models import HELPSPOT_USER_TYPE, Staff
from ...errors import ValidationFailed
from ...extensions import db
from ...inbound.models import Mailbox
from ...requests import assignment, services, workflow
from ...requests import fields as custom_fields
from ...requests.models import Category, Request, Status
from .. import shapes
from ..errors import ApiError
from ..output import KeyedList
from ..registry import Params, api_method


@api_method("private.request.getCategories", "categories")
def private_get_categories(p: Params):
    workflow.require(p.staff)
    open_counts = dict(db.session.execute(
        db.select(Request.assigned_to_id, db.func.count(Request.id))
        .where(Request.is_open.is_(True), Request.assigned_to_id.is_not(None))
        .group_by(Request.assigned_to_id)).all())
    people = [shapes.row({"xPerson": person.id, "fullname": person.full_name,
                          "assigned_requests": open_counts.get(person.id, 0)})
              for person in assignment.assignable_staff()]
    result = KeyedList()
    for cat in db.session.execute(db.select(Category).order_by(Category.name, Category.id)).scalars():
        base = shapes.category(cat, public_only=False)
        result.add(cat.id, shapes.row({
            "xCategory": cat.id, "sCategory": cat.name, "sCategoryGroup": cat.group, "fDeleted": cat.deleted,
            "fAllowPublicSubmit": cat.public_submit, "xPersonDefault": cat.default_staff_id or 0,
            "fAutoAssignTo": 0, "sPersonList": {"person": people},
            "sCustomFieldList": base["sCustomFieldList"], "reportingTags": {"tag": []}}))
    return {"category": result}


@api_method("private.request.getCustomFields", "customfields", optional=("xCategory",))
def private_get_custom_fields(p: Params):
    workflow.require(p.staff)
    if p.has("xCategory"):
        category = db.session.get(Category, p.id("xCategory"))
        fields = custom_fields.applicable_fields(category, public_only=False) if category else []
    else:
        fields = custom_fields.all_fields(public_only=False)
    result = KeyedList()
    for field in fields:
        result.add(field.id, shapes.custom_field(field, with_public=True))
    return {"field": result}


@api_method("private.request.getStatusTypes", "results", optional=("fActiveOnly",))
def private_get_status_types(p: Params):
    workflow.require(p.staff)
    if p.flag("fActiveOnly", True):
        statuses = services.active_statuses()
    else:
        statuses = list(db.session.execute(db.select(Status).order_by(Status.position, Status.id)).scalars())
    return {"status": [shapes.row({"sStatus": s.name, "xStatus": s.id}) for s in statuses]}


@api_method("private.customer.setPasswordByEmail", "results", required=("sEmail", "sPassword"))
def private_set_password(p: Params):
    workflow.require(p.staff)
    try:
        accounts.set_customer_password(p.text("sEmail"), p.get("sPassword"))
    except ValidationFailed as exc:
        raise ApiError.of(105 if exc.errors[0][0] == "sEmail" else 211) from None
    return {"sPassword": p.get("sPassword").strip()}


@api_method("private.customer.getPasswordByEmail", "results")
def private_get_password(p: Params):
    raise ApiError.of(303)


def _mailbox_address(box: Mailbox) -> str:
    """The address customers write to: the IMAP login when it is an address, else MAIL_REPLY_TO's."""
    if "@" in (box.username or ""):
        return box.username
    return parseaddr(current_app.config.get("MAIL_REPLY_TO") or "")[1]


@api_method("private.request.getMailboxes", "results", optional=("fActiveOnly",))
def private_get_mailboxes(p: Params):
    # The IMAP mailboxes an administrator configured (portal.inbound); never their host, login or password.
    workflow.require(p.staff)
    query = db.select(Mailbox).order_by(Mailbox.name, Mailbox.id)
    if p.flag("fActiveOnly", True):
        query = query.where(Mailbox.active.is_(True))
    return {"mailbox": [shapes.row({"xMailbox": box.id, "sReplyName": box.name, "sReplyEmail": _mailbox_address(box)})
                        for box in db.session.execute(query).scalars()]}


def _staff_rows(people) -> dict:
    return {"person": [shapes.row({
        "xPerson": s.id, "sFname": s.first_name, "sLname": s.last_name, "sUsername": "", "sEmail": s.email,
        "sEmail2": "", "sSMS": "", "xSMSService": 0, "sPhone": "", "tSignature": s.signature,
        "tMobileSignature": "", "fNotifyEmail": 1, "fNotifyEmail2": 0, "fNotifySMS": 0, "fNotifySMSUrgent": 0,
        "xPersonPhotoId": 0, "fUserType": HELPSPOT_USER_TYPE.get(s.role, 2), "xPersonOutOfOffice": 0,
        "fNotifyNewRequest": 0, "fDeleted": 0 if s.active else 1, "sWorkspaceDefault": "myq", "fDefaultToPublic": 0,
        "fDefaultTTOpen": 0, "fHideWysiwyg": 0, "fHideImages": 0, "iRequestHistoryLimit": 0, "fReturnToReq": 0,
        "sHTMLEditor": "wysiwyg", "tSignature_HTML": "", "fullname": s.full_name}) for s in people]}


MAX_STAFF = 10_000  # a help desk's whole staff fits; the list is not paged in HelpSpot either


@api_method("private.util.getActiveStaff", "staff")
def private_get_active_staff(p: Params):
    # Names, emails and roles of every staff member: the requests right, as every other private lookup
    # (private.request.getCategories lists the same people). A moderator's token is refused.
    workflow.require(p.staff)
    people = db.session.execute(db.select(Staff).where(Staff.active.is_(True))
                                .order_by(Staff.first_name, Staff.last_name, Staff.id).limit(MAX_STAFF)).scalars()
    return _staff_rows(people)


@api_method("private.util.getAllStaff", "staff")
def private_get_all_staff(p: Params):
    # getActiveStaff's shape, with the deactivated staff too (``fDeleted`` 1), as HelpSpot's getAllStaff.
    workflow.require(p.staff)
    people = db.session.execute(db.select(Staff).order_by(Staff.first_name, Staff.last_name, Staff.id)
                                .limit(MAX_STAFF)).scalars()
    return _staff_rows(people)
