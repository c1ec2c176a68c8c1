"""``tickets/{id}/messages``: a request's notes, through ``requests.workflow.add_staff_note`` (an agent's
reply, mailed to the customer as from the staff page, or with ``is_note`` a private note) and
``requests.services.add_customer_update`` (a message whose ``person`` is the ticket's customer).
Log lines (status changes and the like) are history, not messages, and are not listed."""
from sqlalchemy.orm import selectinload

from ...accounts.models import Customer
from ...errors import NotFound, ValidationFailed
from ...extensions import db
from ...requests import services, workflow
from ...requests.models import Note, Request
from ...text import plain_to_html, strip_tags
from ..body import Input, from_service, json_body
from ..paging import paging
from . import blobs
from .dialect import collection, created, date, envelope, route
from .tickets import MAX_MESSAGE, _get

PREVIEW = 200
MESSAGE = {"type": "object",
           "required": ["id", "ticket", "person", "message", "message_full", "message_preview_text", "is_agent_note",
                        "date_created", "attachments"],
           "properties": {"id": {"type": "integer"}, "ticket": {"type": "integer"},
                          "person": {"type": ["integer", "null"]}, "message": {"type": "string"},
                          "is_agent_note": {"enum": [0, 1]}, "attachments": {"type": "array", "items": {
                              "type": "object", "required": ["id", "filename"]}}}}


def message(note: Note, customer_id: int | None) -> dict:
    html = note.body if note.is_html else plain_to_html(note.body)
    text = strip_tags(note.body) if note.is_html else note.body
    return {"id": note.id, "ticket": note.request_id, "person": note.staff_id if note.staff_id else customer_id,
            "is_agent": note.staff_id is not None, "message": html, "message_full": html,
            "message_preview_text": text[:PREVIEW], "is_agent_note": 0 if note.is_public else 1,
            "date_created": date(note.created_at),
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.mime_type, "filesize": a.size}
                            for a in note.attachments],
            "creation_system": "web"}


def _customer_id(req: Request) -> int | None:
    if not req.email:
        return None
    return db.session.scalar(db.select(Customer.id).where(Customer.email == req.email))


def _notes(req: Request):
    return (db.select(Note).where(Note.request_id == req.id, Note.log == "")
            .options(selectinload(Note.attachments)).order_by(Note.created_at, Note.id))


@route("/tickets/<int:ticket_id>/messages", "GET", "tickets.messages.list", doc={"items": MESSAGE})
def list_messages(caller, ticket_id):
    req = _get(caller, ticket_id)
    page = paging()
    query = _notes(req)
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.offset(page.offset).limit(page.per_page)).scalars()
    customer = _customer_id(req)
    return collection([message(note, customer) for note in rows], page, total)


@route("/tickets/<int:ticket_id>/messages/<int:message_id>", "GET", "tickets.messages.get", doc={"data": MESSAGE})
def get_message(caller, ticket_id, message_id):
    req = _get(caller, ticket_id)
    note = db.session.execute(_notes(req).where(Note.id == message_id)).scalar_one_or_none()
    if note is None:
        raise NotFound("No such message.")
    return envelope(message(note, _customer_id(req)))


def _from_customer(body: Input, req: Request) -> bool:
    """Whether ``person`` names the ticket's customer (id or email); an agent's own id is the agent."""
    person = body.raw("person")
    if person is None:
        return False
    customer = _customer_id(req)
    if (isinstance(person, int) and not isinstance(person, bool) and person == customer) or \
            (isinstance(person, str) and req.email and person.strip().lower() == req.email):
        return True
    body.problem("person", "not_supported", "A message is written by the key's agent or by the ticket's person.")
    return False


@route("/tickets/<int:ticket_id>/messages", ("POST", "PUT"), "tickets.messages.create", doc={"data": MESSAGE})
def create_message(caller, ticket_id):
    req = _get(caller, ticket_id)
    body = Input(json_body())
    text = body.text("message", required=True, max_length=MAX_MESSAGE)
    is_html = body.text("format", default="html") == "html"
    is_note = body.boolean("is_note")
    by_customer = _from_customer(body, req)
    files = blobs.uploads(body, caller.staff)
    body.done()
    try:
        if by_customer:
            workflow.require(caller.staff)
            note = services.add_customer_update(req, strip_tags(text) if is_html else text, files)
        else:
            note = workflow.add_staff_note(req, caller.staff, text, public=not is_note, is_html=is_html,
                                           uploads=files)
    except ValidationFailed as exc:
        raise from_service(exc, {"note": "message", "update": "message"}) from None
    return created(message(note, _customer_id(req)), f"tickets/{req.id}/messages/{note.id}")
