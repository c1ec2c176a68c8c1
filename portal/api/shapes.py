"""Models turned into HelpSpot's element names and order (the sample responses of the public docs win).

Every scalar becomes a string, as HelpSpot's PHP renders database values; dates are unix seconds.
"""
from datetime import datetime

from ..dates import to_unix
from ..text import strip_tags
from ..urls import external_url
from .output import KeyedList


def scalar(value):
    if value is None or isinstance(value, (str, dict, list, KeyedList)):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return str(to_unix(value))
    return str(value)


def row(pairs: dict) -> dict:
    return {key: scalar(value) for key, value in pairs.items()}


def unix(value: datetime | None) -> str:
    return str(to_unix(value))




# --- requests -----------------------------------------------------------------------------------

def custom_values(req, fields, values: dict | None = None) -> dict:
    """``Custom<id>`` for each given field (the caller picks public-only or all), in field order. ``values``:
    the request's values by field id, when read already (else its ``field_values``)."""
    if values is None:
        values = {value.field_id: value.value for value in req.field_values}
    return {field.param_name: values.get(field.id) or "" for field in fields}


def request_summary(req, initial_note) -> str:
    """customer.getRequests' ``tNote``: the first public note as plain text (title first for email
    requests), without the spaces HelpSpot inserts where tags were."""
    text = strip_tags(initial_note.body) if initial_note is not None else ""
    if req.opened_via == 1 and req.title:
        return f"{req.title} - {text}" if text else req.title
    return text


def customer_request(req, initial_note, fields) -> dict:
    return row({
        "xRequest": req.id, "fOpenedVia": req.opened_via, "xOpenedViaId": req.opened_via_id,
        "fOpen": req.is_open, "xStatus": req.status_id, "fUrgent": req.urgent, "xCategory": req.category_id or 0,
        "dtGMTOpened": unix(req.opened_at), "sRequestPassword": req.password, "sTitle": req.title,
        "sUserId": req.user_id, "sFirstName": req.first_name, "sLastName": req.last_name, "sEmail": req.email,
        "sPhone": req.phone, **custom_values(req, fields),
        "sCategory": req.category.name if req.category else None, "sStatus": req.status.name,
        "tNote": request_summary(req, initial_note), "fullname": req.full_name, "accesskey": req.access_key,
    })


def reporting_tags(req, tags: list[tuple[int, str]] | None = None) -> dict:
    """HelpSpot's ``reportingTags``: the request's tags (portal.requests.tags), as (id, name) when read
    already."""
    pairs = tags if tags is not None else [(t.id, t.name) for t in req.tags]
    return {"tag": [{"xReportingTag": str(tag_id), "sReportingTag": name} for tag_id, name in pairs]}


def request_fields(req, fields, values: dict | None = None) -> dict:
    """The request columns of request.get / private.request.get, in the sample's order (raw values)."""
    return row({
        "xRequest": req.id, "fOpenedVia": req.opened_via, "xOpenedViaId": req.opened_via_id,
        "xPersonOpenedBy": req.opened_by_id or 0, "xPersonAssignedTo": req.assigned_to_id or 0,
        "fOpen": req.is_open, "xStatus": req.status_id, "fUrgent": req.urgent, "xCategory": req.category_id or 0,
        "dtGMTOpened": unix(req.opened_at), "dtGMTClosed": unix(req.closed_at), "sRequestPassword": req.password,
        "sTitle": req.title, "sUserId": req.user_id, "sFirstName": req.first_name, "sLastName": req.last_name,
        "sEmail": req.email, "sPhone": req.phone, "iLastReplyBy": req.last_reply_by, "fTrash": req.trashed,
        "dtGMTTrashed": unix(req.trashed_at), **custom_values(req, fields, values), "fullname": req.full_name,
    })


def attachment_url(req, attachment) -> str:
    return external_url("requests.attachment", key=req.access_key, attachment_id=attachment.id)


def history_item(req, note, *, private_url=None) -> dict:
    files = [row({"sFileMimeType": a.mime_type, "sFilename": a.filename, "xDocumentId": a.id,
                  "public_url": attachment_url(req, a),
                  "private_url": private_url(a) if private_url else attachment_url(req, a)})
             for a in note.attachments]
    return row({
        "xRequestHistory": note.id, "xRequest": note.request_id, "xPerson": note.author_id,
        "dtGMTChange": unix(note.created_at), "fPublic": note.is_public, "fInitial": note.is_initial,
        "tLog": note.log, "tNote": note.body, "tEmailHeaders": "", "fNoteIsHTML": note.is_html,
        "fMergedFromRequest": note.merged_from, "files": {"file": files} if files else [],
    })


def category(cat, *, public_only: bool = True) -> dict:
    field_list = None
    if cat.has_field_list:
        field_list = {"xCustomField": [str(f.id) for f in cat.fields if f.public or not public_only]}
    return row({"xCategory": cat.id, "sCategory": cat.name, "sCustomFieldList": field_list})


def custom_field(field, *, with_public: bool = False) -> dict:
    items = field.list_items
    pairs = {"xCustomField": field.id, "fieldName": field.name, "isRequired": field.required}
    if with_public:
        pairs["isPublic"] = field.public
    pairs.update({
        "fieldType": field.field_type, "iOrder": field.position, "sTxtSize": field.text_size,
        "lrgTextRows": field.large_text_rows, "listItems": {"item": items} if items else "",
        "iDecimalPlaces": field.decimal_places, "sRegex": field.regex, "isAlwaysVisible": field.always_visible,
    })
    return row(pairs)
