"""Saved queue views and bulk reads: private.user.getFilters, private.filter.get, private.request.multiGet,
private.request.getChanged (helpspot-private-methods.md section 11). Filters are the queue page's
(``portal.requests.filters``): the built-in views ``inbox``, ``myq``, ... and each staff member's saved ones.
"""
import re

from flask import request as http_request

from ...dates import from_unix
from ...errors import NotFound
from ...extensions import db
from ...requests import categories, filters, workflow
from ...requests.models import Note, Request
from .. import readable, shapes
from ..errors import ApiError, error
from ..registry import Params, api_method
from .private_requests import private_request_get
from .private_search import MAX_LENGTH, summary

# The queue's columns, as getFilters' displayColumns (key -> label; HelpSpot leaves some labels empty).
DISPLAY_COLUMNS = {"isunread": "", "view": "", "xRequest": "ID", "fullname": "Customer", "reqsummary": "Subject",
                   "xCategory": "Category", "xStatus": "Status", "xPersonAssignedTo": "Assigned To",
                   "lastupdate": "Updated"}
MULTI_GET_LIMIT = 100   # requests per multiGet call: each is a whole private.request.get
CHANGED_LIMIT = 10_000  # history items per getChanged call, the oldest first
_INDEXED = re.compile(r"^xRequest\[[0-9]{0,4}\]$")


@api_method("private.user.getFilters", "filters")
def private_user_get_filters(p: Params):
    refs = filters.all_filters(p.staff)
    counts = filters.counts(p.staff, refs)
    return {"filter": [{
        "xFilter": ref.id, "sFilterName": ref.name, "displayColumns": dict(DISPLAY_COLUMNS),
        "fGlobal": "1" if ref.shared else "0", "sFilterFolder": "" if ref.saved is None or not ref.saved.shared
        else "Shared", "count": str(counts[ref.id]), "unread": "",
    } for ref in refs]}


@api_method("private.filter.get", "filter", required=("xFilter",), optional=("fRawValues", "start", "length"))
def private_filter_get(p: Params):
    workflow.require(p.staff)
    try:
        ref = filters.find(p.staff, p.text("xFilter"))
    except NotFound:
        raise ApiError(error(101, "xFilter (a filter of yours, or inbox/myq)")) from None
    length = min(max(p.int("length", 0) or MAX_LENGTH, 1), MAX_LENGTH)
    start = max(0, p.int("start", 0))
    # The queue pages by page number; start/length may fall across two pages: read enough and slice.
    first_page = start // length + 1
    rows = filters.requests(p.staff, ref, page=first_page, per_page=length).items
    if start % length:
        rows = (rows + filters.requests(p.staff, ref, page=first_page + 1, per_page=length).items)
        rows = rows[start % length:start % length + length]
    initial = {n.request_id: n for n in db.session.execute(
        db.select(Note).where(Note.request_id.in_([r.id for r in rows]), Note.is_initial.is_(True))).scalars()}
    raw = p.flag("fRawValues")
    names = None if raw else readable._staff_names()
    found = []
    for req in rows:
        fields = {**shapes.request_fields(req, []), "tNote": summary(req, initial.get(req.id))}
        found.append(fields if raw else readable.readable(req, fields, names))
    return {"request": found}


def _requested_ids() -> list[str]:
    """``xRequest[]=1&xRequest[]=2`` (PHP's array syntax) or ``xRequest[0]=1&xRequest[1]=2``, from the
    query string and the body, in the order given."""
    values: list[str] = []
    for source in (http_request.args, http_request.form):
        for name in source:
            if name == "xRequest" or _INDEXED.match(name):
                values.extend(source.getlist(name))
    return [v.strip() for v in values if v.strip()]


@api_method("private.request.multiGet", "requests", optional=("xRequest", "xRequest[]", "fRawValues"))
def private_request_multi_get(p: Params):
    workflow.require(p.staff)
    ids = list(dict.fromkeys(_requested_ids()))
    if not ids:
        raise ApiError(error(101, "xRequest"))
    if len(ids) > MULTI_GET_LIMIT:
        raise ApiError(error(103, f"at most {MULTI_GET_LIMIT} requests per call"))
    found = []
    for value in ids:
        one = Params({"xRequest": value, "fRawValues": p.get("fRawValues")}, p.staff)
        try:
            found.append(private_request_get(one))  # find_request applies the category limit
        except ApiError:
            continue  # an unknown id, or one in a category the staff member may not see, is left out
    return {"request": found}


@api_method("private.request.getChanged", "requests", required=("dtGMTChange",))
def private_request_get_changed(p: Params):
    workflow.require(p.staff)
    since = p.int("dtGMTChange")
    if since is None:
        raise ApiError(error(101, "dtGMTChange"))
    # One id per history item written after the time (a change is a note or a log line), as HelpSpot repeats;
    # only requests in the categories the staff member may see (portal.requests.categories).
    query = (db.select(Note.request_id).join(Request, Request.id == Note.request_id)
             .where(Note.created_at > from_unix(since), categories.visible_condition(p.staff))
             .order_by(Note.created_at, Note.id).limit(CHANGED_LIMIT))
    return {"xRequest": [str(request_id) for request_id in db.session.execute(query).scalars()]}

