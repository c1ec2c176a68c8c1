"""``tickets``: Portico's requests, through the same services as the staff pages and the HelpSpot API
(``requests.services.create_request``, ``requests.workflow``, ``requests.queue``).

Statuses: an open request is ``awaiting_agent`` (or ``awaiting_user`` once staff replied last), a closed one
``resolved``; spam and trash are ``hidden`` with ``hidden_status`` ``spam`` / ``deleted``. A deleted
(trashed) ticket answers 404, as DeskPRO's do. Urgency 1-10 is Portico's urgent flag: 5 or more is urgent,
shown as 10 (urgent) or 1. ``department`` and ``category`` are both the request category.
"""
from flask import request

from ...accounts.models import Customer, Staff
from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...requests import categories, details, queue, services, workflow
from ...requests import tags as request_tags
from ...requests.models import STATUS_SPAM, VIA_WEB_SERVICE, Category, Request, RequestTag, request_tag_link
from ..body import Input, InvalidInput, from_service, json_body
from ..paging import paging
from . import blobs, lookups, people
from .dialect import collection, created, date, envelope, route, updated
from .me import agent

URGENT_FROM = 5
NULLABLE_INT, NULLABLE_TEXT = {"type": ["integer", "null"]}, {"type": ["string", "null"]}
TICKET = {"type": "object",
          "required": ["id", "ref", "subject", "status", "hidden_status", "urgency", "department", "category",
                       "person", "person_email", "agent", "labels", "cc", "fields", "date_created", "date_status"],
          "properties": {"id": {"type": "integer"}, "ref": {"type": "string"}, "subject": {"type": "string"},
                         "status": {"enum": ["awaiting_agent", "awaiting_user", "resolved", "hidden"]},
                         "hidden_status": {"enum": [None, "deleted", "spam"]}, "urgency": {"type": "integer"},
                         "department": NULLABLE_INT, "category": NULLABLE_INT, "person": NULLABLE_INT,
                         "person_email": NULLABLE_TEXT, "agent": NULLABLE_INT,
                         "labels": {"type": "array", "items": {"type": "string"}}, "cc": {"type": "array"},
                         "fields": {"type": "object", "additionalProperties": {
                             "type": "object", "required": ["aliases", "value"]}},
                         "date_created": NULLABLE_TEXT, "date_status": NULLABLE_TEXT}}
OPEN_STATUSES = ("awaiting_agent", "awaiting_user", "pending")
CLOSED_STATUSES = ("resolved", "archived")
HIDDEN_STATUSES = ("hidden", "hidden.deleted", "hidden.spam")
ORDERS = {"id": Request.id, "date_created": Request.opened_at, "date_status": Request.updated_at}
MAX_MESSAGE = 10_000_000  # the note's own limit (portal.limits) is checked by the service
# Service field names -> this API's.
FIELD_NAMES = {"tags": "labels", "note": "message.message", "title": "subject", "email": "person",
               "first_name": "person", "last_name": "person", "category": "department", "assigned_to": "agent",
               "attachments": "message.attachments"}


def _names(exc: ValidationFailed):
    names = dict(FIELD_NAMES)
    names.update({field: f"fields.{field[len('Custom'):]}" for field, _ in exc.errors if field.startswith("Custom")})
    return from_service(exc, names)


def status_of(req: Request) -> tuple[str, str | None]:
    if req.trashed:
        return "hidden", "deleted"
    if req.status_id == STATUS_SPAM:
        return "hidden", "spam"
    if not req.is_open:
        return "resolved", None
    return ("awaiting_user" if req.last_reply_by and req.last_reply_by > 0 else "awaiting_agent"), None


def _people(reqs) -> dict[str, int]:
    emails = {r.email for r in reqs if r.email}
    if not emails:
        return {}
    return dict(db.session.execute(db.select(Customer.email, Customer.id).where(Customer.email.in_(emails))).all())


def ticket(req: Request, people: dict[str, int] | None = None) -> dict:
    people = _people([req]) if people is None else people
    status, hidden = status_of(req)
    return {
        "id": req.id, "ref": str(req.id), "subject": req.title, "status": status, "hidden_status": hidden,
        "ticket_status": req.status.name if req.status else None, "urgency": 10 if req.urgent else 1,
        "department": req.category_id, "category": req.category_id, "priority": None,
        "person": people.get(req.email), "person_email": req.email or None, "agent": req.assigned_to_id,
        "agent_team": None, "organization": None, "labels": request_tags.names(req), "cc": [],
        "fields": {str(value.field_id): {"aliases": [], "value": value.value} for value in req.field_values},
        "date_created": date(req.opened_at), "date_resolved": date(req.closed_at),
        "date_status": date(req.updated_at), "language": None,
        "creation_system": "web.api" if req.opened_via == VIA_WEB_SERVICE else "web",
    }


def _get(caller, ticket_id: int) -> Request:
    req = queue.get_request(caller.staff, ticket_id)
    if req.trashed:
        raise NotFound("No such ticket.")
    return req


def _ids(raw: str, name: str) -> list[int]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if len(parts) > 200 or not all(p.isascii() and p.isdigit() and len(p) <= 10 for p in parts):
        raise InvalidInput([(name, "invalid", "Give up to 200 ids separated by commas.")])
    return [int(p) for p in parts]


def _listing():
    query = db.select(Request).where(Request.trashed.is_(False))
    args = request.args
    if args.get("ids"):
        query = query.where(Request.id.in_(_ids(args["ids"], "ids")))
    for name, column in (("agent", Request.assigned_to_id), ("department", Request.category_id),
                         ("category", Request.category_id)):
        if args.get(name):
            query = query.where(column.in_(_ids(args[name], name)))
    if args.get("person"):
        emails = db.select(Customer.email).where(Customer.id.in_(_ids(args["person"], "person")))
        query = query.where(Request.email.in_(emails))
    if args.get("label"):
        wanted = [part.strip().lower() for part in args["label"].split(",") if part.strip()][:50]
        tagged = (db.select(request_tag_link.c.request_id)
                  .join(RequestTag, RequestTag.id == request_tag_link.c.tag_id)
                  .where(RequestTag.name_key.in_(wanted)))
        query = query.where(Request.id.in_(tagged))
    if args.get("person_email"):
        query = query.where(Request.email == args["person_email"].strip().lower())
    for status in filter(None, (part.strip() for part in args.get("status", "").split(","))):
        if status in OPEN_STATUSES:
            query = query.where(Request.is_open.is_(True), Request.status_id != STATUS_SPAM)
            if status == "awaiting_user":
                query = query.where(Request.last_reply_by > 0)
            elif status == "awaiting_agent":
                query = query.where(Request.last_reply_by <= 0)
        elif status in CLOSED_STATUSES:
            query = query.where(Request.is_open.is_(False), Request.status_id != STATUS_SPAM)
        elif status in ("hidden", "hidden.spam"):
            query = query.where(Request.status_id == STATUS_SPAM)
        else:
            raise InvalidInput([("status", "invalid_choice", "Unknown status.")])
    order = args.get("order_by", "id")
    direction = args.get("order_dir", "desc").lower()
    if order not in ORDERS or direction not in ("asc", "desc"):
        raise InvalidInput([("order_by" if order not in ORDERS else "order_dir", "invalid_choice",
                             "Order by id, date_created or date_status, asc or desc.")])
    column = ORDERS[order]
    return query.order_by(column.asc() if direction == "asc" else column.desc(), Request.id.desc())


INCLUDES = ("person", "agent", "status", "department")


def _includes() -> set[str]:
    """The sideloads ``include=`` asks for. Raises InvalidInput for one a ticket does not have."""
    names = {part.strip() for part in request.args.get("include", "").split(",") if part.strip()}
    if names - set(INCLUDES):
        raise InvalidInput([("include", "invalid_choice", f"Include any of {', '.join(INCLUDES)}.")])
    return names


def linked(tickets: list[dict], names: set[str]) -> dict:
    """``linked.<type>.<id>``: the people, agents, statuses and departments the tickets name."""
    out: dict[str, dict] = {}

    def ids(name: str) -> set[int]:
        return {t[name] for t in tickets if t[name]}

    if "person" in names:
        customers = list(db.session.execute(db.select(Customer).where(Customer.id.in_(ids("person")))).scalars())
        counts = people.ticket_counts(customers)
        out["person"] = {str(c.id): people.person(c, counts) for c in customers}
    if "agent" in names:
        staff = db.session.execute(db.select(Staff).where(Staff.id.in_(ids("agent")))).scalars()
        out["agent"] = {str(s.id): agent(s) for s in staff}
    if "status" in names:
        out["status"] = {t["status"]: lookups.STATUS_ROWS[t["status"]] for t in tickets}
    if "department" in names:
        categories = db.session.execute(db.select(Category).where(Category.id.in_(ids("department")))).scalars()
        out["department"] = {str(c.id): lookups.department(c) for c in categories}
    return out


def _count(query) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))


@route("/tickets", "GET", "tickets.tickets.list", doc={"items": TICKET})
def list_tickets(caller):
    workflow.require(caller.staff)
    page = paging()
    query = _listing().where(categories.visible_condition(caller.staff))
    names = _includes()
    total = _count(query)
    rows = list(db.session.execute(query.offset(page.offset).limit(page.per_page)).scalars())
    people_ = _people(rows)
    data = [ticket(r, people_) for r in rows]
    return collection(data, page, total, linked(data, names))


@route("/tickets/counts", "GET", "tickets.tickets.counts")
def count_tickets(caller):
    """How many tickets the listing's filters match, in all and by status."""
    workflow.require(caller.staff)
    query = _listing().where(categories.visible_condition(caller.staff))
    open_ = query.where(Request.is_open.is_(True), Request.status_id != STATUS_SPAM)
    return envelope({"total": _count(query), "status": {
        "awaiting_agent": _count(open_.where(Request.last_reply_by <= 0)),
        "awaiting_user": _count(open_.where(Request.last_reply_by > 0)),
        "resolved": _count(query.where(Request.is_open.is_(False), Request.status_id != STATUS_SPAM)),
        "hidden": _count(query.where(Request.status_id == STATUS_SPAM))}})


@route("/tickets/<int:ticket_id>", "GET", "tickets.tickets.get", doc={"data": TICKET})
def get_ticket(caller, ticket_id):
    names = _includes()
    data = ticket(_get(caller, ticket_id))
    return envelope(data, linked=linked([data], names))


def _person(body: Input) -> dict:
    """The customer's contact fields from ``person`` (an id, an email or ``{name, email}``) or ``person_email``."""
    raw = body.raw("person")
    if raw is None and body.has("person_email"):
        raw = body.text("person_email", max_length=100)
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, int):
        customer = db.session.get(Customer, raw) if 0 < raw < 2**31 else None
        if customer is None:
            body.problem("person", "not_found", "There is no person with this id.")
            return {}
        return {"email": customer.email}
    if isinstance(raw, str):
        return {"email": raw}
    if isinstance(raw, dict):
        person = Input(raw, "person", body.problems)
        email = person.text("email", max_length=100) or person.text("primary_email", max_length=100)
        first, last = person.text("first_name", max_length=40), person.text("last_name", max_length=40)
        name = person.text("name", max_length=81)
        if name and not (first or last):
            first, _, last = name.strip().partition(" ")
        person.allow(*raw)  # the rest of a person is tolerated: SDKs send whole people
        return {"email": email, "first_name": first, "last_name": last}
    body.problem("person", "required", "Give the person's id, email, or {name, email}.")
    return {}


def _urgent(body: Input) -> bool | None:
    urgency = body.integer("urgency", low=1, high=10)
    return None if urgency is None else urgency >= URGENT_FROM


def _status_change(caller, req: Request, status) -> None:
    """Apply a DeskPRO status (or a Portico status id) through the workflow services."""
    if status is None:
        return
    if isinstance(status, int) or (isinstance(status, str) and status.isascii() and status.isdigit()):
        workflow.update_request(req, caller.staff, status_id=int(status))
    elif status in OPEN_STATUSES:
        workflow.not_spam(req, caller.staff)
        workflow.update_request(req, caller.staff, is_open=True)
    elif status in CLOSED_STATUSES:
        workflow.close(req, caller.staff)
    elif status == "hidden.spam":
        workflow.mark_spam(req, caller.staff)
    elif status in ("hidden", "hidden.deleted"):
        workflow.trash(req, caller.staff)


def _read_status(body: Input):
    status = body.raw("status")
    if status is None:
        return None
    if isinstance(status, bool) or not (isinstance(status, int) or status in OPEN_STATUSES + CLOSED_STATUSES
                                        + HIDDEN_STATUSES or (isinstance(status, str) and status.isdigit()
                                                              and len(status) <= 10)):
        body.problem("status", "invalid_choice", "Use awaiting_agent, awaiting_user, resolved, hidden.spam, "
                     "hidden.deleted or a status id.")
        return None
    return status


def _labels(body: Input):
    """``labels``: the ticket's whole list of labels (request tags), or None when not sent."""
    if body.array("cc"):
        body.problem("cc", "not_supported", "This help desk does not store cc on tickets yet.")
    values = body.array("labels")
    if values is None:
        return None
    if len(values) > request_tags.MAX_TAGS or not all(isinstance(v, str) and len(v.strip()) <= request_tags.MAX_NAME
                                                      for v in values):
        body.problem("labels", "invalid", f"Give up to {request_tags.MAX_TAGS} labels, each a string of at most "
                     f"{request_tags.MAX_NAME} characters.")
        return None
    return values


def _custom(body: Input) -> dict[int, str]:
    fields = body.object("fields")
    values: dict[int, str] = {}
    if fields is None:
        return values
    for key, value in fields.values.items():
        if isinstance(value, dict):
            value = value.get("value")
        if not (str(key).isascii() and str(key).isdigit() and len(str(key)) <= 10):
            fields.problem(str(key), "invalid", "Custom fields are named by their id.")
        elif isinstance(value, (dict, list)):
            fields.problem(str(key), "invalid_type", "This value should be a string or a number.")
        else:
            values[int(key)] = "" if value is None else str(value)
        fields.allow(key)
    return values


@route("/tickets", ("POST", "PUT"), "tickets.tickets.create", doc={"data": TICKET})
def create_ticket(caller):
    workflow.require(caller.staff)
    body = Input(json_body())
    subject = body.text("subject", required=True)
    person = _person(body)
    message = body.object("message")
    if message is None:
        body.problem("message", "required", "This value should not be blank.")
        note, is_html, is_note, files = "", False, False, []
    else:
        note = message.text("message", required=True, max_length=MAX_MESSAGE)
        is_html = message.text("format", default="html") == "html"
        is_note = message.boolean("is_note")
        if message.raw("person"):
            message.problem("person", "not_supported", "A ticket's first message is written by the key's agent.")
        files = blobs.uploads(message, caller.staff)
    category = body.integer("department") or body.integer("category")
    agent = body.integer("agent")
    urgent = _urgent(body)
    status = _read_status(body)
    custom = _custom(body)
    labels = _labels(body)
    body.done()
    data = services.RequestInput(note=note, title=subject, urgent=bool(urgent), category_id=category,
                                 custom=custom, note_is_html=is_html, opened_via=VIA_WEB_SERVICE, **person)
    try:
        req = services.create_request(data, files, staff=caller.staff, public_only=False, check_spam=False,
                                      note_public=not is_note, notify_customer=False)
        workflow.update_request(req, caller.staff, assigned_to_id=agent if agent is not None else ...,
                                tags=request_tags.named(labels) if labels else None)
        _status_change(caller, req, status)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return created(ticket(req), f"tickets/{req.id}")


@route("/tickets/<int:ticket_id>", ("PUT", "POST"), "tickets.tickets.update", doc={"data": TICKET})
def update_ticket(caller, ticket_id):
    req = _get(caller, ticket_id)
    body = Input(json_body())
    category = body.integer("department") if body.has("department") else body.integer("category")
    agent = body.integer("agent")
    urgent = _urgent(body)
    status = _read_status(body)
    if body.raw("message") is not None:
        body.problem("message", "not_supported", "Add messages with POST /tickets/{id}/messages.")
    subject = body.text("subject") if body.has("subject") else None
    if body.has("subject") and not (subject or "").strip():
        body.problem("subject", "required", "This value should not be blank.")
    contact = {k: v for k, v in _person(body).items() if v} if body.raw("person") or body.has("person_email") else None
    custom = _custom(body) if body.has("fields") else None
    labels = _labels(body)
    body.done()
    changing = {name for name in ("department", "category", "agent") if body.has(name)}
    try:
        workflow.update_request(
            req, caller.staff, urgent=urgent,
            category_id=(category or None) if changing & {"department", "category"} else ...,
            assigned_to_id=(agent or None) if "agent" in changing else ...,
            tags=request_tags.named(labels) if labels is not None else None)
        details.edit(req, caller.staff, title=subject, contact=contact, custom=custom)
        _status_change(caller, req, status)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return updated(f"tickets/{req.id}", lambda: ticket(req))


@route("/tickets/<int:ticket_id>", "DELETE", "tickets.tickets.delete")
def delete_ticket(caller, ticket_id):
    workflow.trash(_get(caller, ticket_id), caller.staff)
    return envelope({})

