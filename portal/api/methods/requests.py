"""Public request methods: customer.getRequests, request.create/update/get, getCategories, getCustomFields.

They call the same services as the portal's request pages (portal.requests.services), so the rules
(contact fields, custom fields per category, spam checks, uploads, history limit) are written once.
"""
from typing import Any

from flask import request

from ... import security
from ...accounts.services import EmailNotConfirmed, TooManyAttempts, authenticate_customer
from ...errors import Conflict, Merged, NotFound, ValidationFailed
from ...extensions import db
from ...requests import fields as custom_fields
from ...requests import reading, services
from ...requests.models import VIA_WEB_SERVICE, Note
from .. import shapes
from ..errors import ApiError, error
from ..output import KeyedList
from ..registry import Params, api_method, kept

CONTACT_PARAMS = {"sFirstName": "first_name", "sLastName": "last_name", "sUserId": "user_id",
                  "sEmail": "email", "sPhone": "phone"}


def customer_login(p: Params):
    """The portal login behind customer.getRequests. Raises ApiError 104 (the failure is recorded), also for
    an account whose email was never confirmed (as the portal, it shows nothing until a mailed link is
    opened), or 3 when the account, or the caller's address for an account never used from it, has
    failed too often (accounts.services.address_throttled)."""
    try:
        customer = authenticate_customer(p.text("sEmail"), p.get("sPassword"), request.remote_addr or "")
    except TooManyAttempts as exc:
        raise ApiError.of(3, status=429, headers={"Retry-After": str(exc.retry_after)}) from None
    except EmailNotConfirmed:
        raise ApiError.of(104) from None
    if customer is None:
        raise ApiError.of(104, keep=True)
    return customer


@api_method("customer.getRequests", "requests", required=("sEmail", "sPassword"))
def customer_get_requests(p: Params):
    customer = customer_login(p)
    found = list(db.session.execute(services.requests_for_email_query(customer.email)).scalars())
    initial = {note.request_id: note for note in db.session.execute(
        db.select(Note).where(Note.request_id.in_([r.id for r in found]), Note.is_initial.is_(True),
                              Note.is_public.is_(True))).scalars()} if found else {}
    fields = custom_fields.all_fields(public_only=True)
    result = KeyedList()
    for req in found:
        result.add(req.id, shapes.customer_request(req, initial.get(req.id), fields))
    return {"request": result} if found else {}


def count_against_form_limit(endpoint: str) -> None:
    """Spend what the portal page ``endpoint`` would from the caller's address (its RATELIMIT_* limit, on
    the same counter), so the API is no way around the form's limit. Raises ApiError 429."""
    wait = security.count_against(endpoint)
    if wait is not None:
        raise ApiError.of(429, status=429, headers={"Retry-After": str(wait)})


def validation_errors(code: int, exc: ValidationFailed) -> ApiError:
    """One error per reason, so a client sees every problem at once."""
    return ApiError(*[error(code, reason) for _, reason in exc.errors])


@api_method("request.create", "request", required=("tNote",), on_missing=206,
            optional=("xCategory", "sFirstName", "sLastName", "sUserId", "sEmail", "sPhone", "fUrgent",
                      "xPortal", "File#_sFilename", "File#_sFileMimeType", "File#_bFileBody", "Custom#"))
def request_create(p: Params):
    # The form's link-count spam rule applies in create_request; its timer and honeypot cannot (no form).
    count_against_form_limit("requests.new")
    if p.int("xPortal", 0):
        raise ApiError.of(207, "The portal ID is not valid")  # Portico has one portal, no secondary ones
    # Only text fields are named in CONTACT_PARAMS; a dict of str alone would seem to mypy to fill the flags.
    contact: dict[str, Any] = {attr: p.text(param) for param, attr in CONTACT_PARAMS.items()}
    data = services.RequestInput(
        note=p.get("tNote"), urgent=bool(p.int("fUrgent", 0)), category_id=p.int("xCategory") or None,
        custom=p.custom(), opened_via=VIA_WEB_SERVICE, **contact)
    try:
        req = services.create_request(data, p.uploads())
    except ValidationFailed as exc:
        raise validation_errors(207, exc) from None
    return {"xRequest": str(req.id), "accesskey": req.access_key}


def by_access_key(p: Params, not_found_code: int):
    """The request for ``accesskey``; Merged answers 208 only after the password matched,
    so a guessed key never learns where a request went.
    A request closed longer ago than ``closed_visible_days`` answers like an unknown key, as the request
    page hides it (the API has no logged-in owner to show it to)."""
    try:
        req = services.find_by_access_key(p.text("accesskey"))
    except Merged as merged:
        raise ApiError(error(208, xRequest=str(merged.target_id))) from None
    except NotFound:
        raise ApiError.of(not_found_code) from None
    if services.hidden_from_public(req):
        raise ApiError.of(not_found_code)
    return req


@api_method("request.update", "request", required=("accesskey", "tNote"), on_missing=210,
            optional=("File#_sFilename", "File#_sFileMimeType", "File#_bFileBody"))
def request_update(p: Params):
    req = by_access_key(p, 210)
    try:
        services.add_customer_update(req, p.get("tNote"), p.uploads())
    except Conflict:
        raise ApiError.of(106) from None
    except ValidationFailed as exc:
        raise validation_errors(210, exc) from None
    return {"xRequest": str(req.id)}


def _key_scopes(p: Params):
    scopes = services.access_key_scopes(p.text("accesskey"))
    return (scopes, None) if scopes else None


@api_method("request.get", "request", required=("accesskey",), on_missing=102, cache=_key_scopes)
def request_get(p: Params):
    req = by_access_key(p, 102)
    fields = custom_fields.all_fields(public_only=True)
    extras = reading.api_extras(req.id)  # the public history, values and tags as rows
    history = [shapes.history_item(req, note) for note in extras.history]
    return {**shapes.request_fields(req, fields, extras.values),
            "reportingTags": shapes.reporting_tags(req, extras.tags), "request_history": {"item": history}}


@api_method("request.getCategories", "categories", cache=kept())
def request_get_categories(p: Params):
    result = KeyedList()
    for cat in services.public_categories():
        result.add(cat.id, shapes.category(cat))
    return {"category": result}


@api_method("request.getCustomFields", "customfields", cache=kept())
def request_get_custom_fields(p: Params):
    result = KeyedList()
    for field in custom_fields.all_fields(public_only=True):
        result.add(field.id, shapes.custom_field(field))
    return {"field": result}
