"""The narrower ticket writes, each answering the whole ticket: ``update_tags/`` (``add``, ``remove``: comma
separated or lists), ``update_custom_fields/`` (``t-cf-<id>``; the category's rules as on the portal form)
``forward/`` (real mail through the outbox, one per recipient; ``requests.forwarding``), and ``subscribe/`` /
``unsubscribe/`` (``staff_id``, or ``staff``: the staff member who follows the ticket and is then mailed when its
customer answers or a colleague adds a note; ``requests.subscriptions``).

``forward/`` takes ``to``, ``cc``, ``bcc`` (comma separated or lists), ``subject``, ``message``,
``to_include_ticket_contact``, ``cc_include_ticket_contact``, ``send_all_messages`` (default true) and
``include_pvt_notes``. Mail here is text: new files (``attachments``) and ``ticket_attachments`` are refused,
not dropped. ``convert_replies_as_new_ticket`` is accepted; replies reach the From address as plain mail.
"""
from ...errors import ValidationFailed
from ...requests import forwarding, subscriptions, workflow
from ...requests import tags as request_tags
from ..body import Input, from_service
from .dialect import listish, no_files, route, uploads
from .tickets import _acting_staff, _custom, _dict_body, _get, _names, tag_names, ticket

MAX_MESSAGE = 100_000


@route("/ticket/<int:ticket_id>/update_tags/", "POST", "tickets.update_tags")
def update_tags(caller, ticket_id):
    req = _get(caller, ticket_id)
    no_files()
    body = _dict_body()
    staff = _acting_staff(caller, body)
    add = tag_names(body, "add") or []
    remove = {name.strip().lower() for name in tag_names(body, "remove") or []}
    if not any(a.strip() for a in add) and not remove:
        body.problem("add", "required", "Give tags to add or remove.")
    body.done()
    kept = [name for name in request_tags.names(req) if name.lower() not in remove]
    try:
        tags = request_tags.named(kept + [a for a in add if a.strip().lower() not in remove])
        workflow.update_request(req, staff, tags=tags)
    except ValidationFailed as exc:
        raise from_service(exc, {"tags": "add"}) from None
    return ticket(req)


@route("/ticket/<int:ticket_id>/update_custom_fields/", "POST", "tickets.update_custom_fields")
def update_custom_fields(caller, ticket_id):
    req = _get(caller, ticket_id)
    no_files()
    body = _dict_body()
    staff = _acting_staff(caller, body)
    custom = _custom(body)
    if not custom and not body.problems:
        body.problem("t-cf-<id>", "required", "Give at least one t-cf-<id> value.")
    body.done()
    try:
        workflow.set_custom_fields(req, staff, custom)
    except ValidationFailed as exc:
        raise _names(exc) from None
    return ticket(req)


def _addresses(body: Input, name: str) -> list[str]:
    value = listish(body.raw(name))
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    body.problem(name, "invalid_type", "Send addresses comma-separated or as a list.")
    return []


@route("/ticket/<int:ticket_id>/forward/", "POST", "tickets.forward")
def forward_ticket(caller, ticket_id):
    req = _get(caller, ticket_id)
    body = _dict_body()
    staff = _acting_staff(caller, body)
    to, cc, bcc = _addresses(body, "to"), _addresses(body, "cc"), _addresses(body, "bcc")
    if body.boolean("to_include_ticket_contact") and req.email:
        to.append(req.email)
    if body.boolean("cc_include_ticket_contact") and req.email:
        cc.append(req.email)
    subject = body.text("subject", required=True)
    message = body.text("message", required=True, max_length=MAX_MESSAGE)
    all_messages = body.boolean("send_all_messages", default=True)
    private_notes = body.boolean("include_pvt_notes")
    body.boolean("convert_replies_as_new_ticket")
    if listish(body.raw("ticket_attachments")) not in (None, "", []) or uploads():
        body.problem("ticket_attachments" if body.has("ticket_attachments") else "attachments", "not_supported",
                     "Forwarded mail carries text only; files are named in it, not attached.")
    body.done()
    try:
        forwarding.forward(req, staff, to=to, cc=cc, bcc=bcc, subject=subject, message=message,
                           all_messages=all_messages, private_notes=private_notes)
    except ValidationFailed as exc:
        raise from_service(exc) from None
    return ticket(req)


def _follower_id(body: Input) -> int | None:
    """``staff_id`` (HappyFox's name) or ``staff``: required, a whole number."""
    name = "staff" if body.has("staff") and not body.has("staff_id") else "staff_id"
    body.allow("staff", "staff_id")
    return body.integer(name, required=True, low=1)


def _follow(caller, ticket_id: int, *, follow: bool):
    req = _get(caller, ticket_id)
    no_files()
    body = _dict_body()
    person_id = _follower_id(body)
    body.done()
    try:
        if follow:
            subscriptions.subscribe(req, caller.staff, person_id)
        else:
            subscriptions.unsubscribe(req, caller.staff, person_id)
    except ValidationFailed as exc:
        raise from_service(exc, {"xPerson": "staff_id"}) from None
    return ticket(req)


@route("/ticket/<int:ticket_id>/subscribe/", "POST", "tickets.subscribe")
def subscribe(caller, ticket_id):
    """The staff member ``staff_id`` follows the ticket (again: no change)."""
    return _follow(caller, ticket_id, follow=True)


@route("/ticket/<int:ticket_id>/unsubscribe/", "POST", "tickets.unsubscribe")
def unsubscribe(caller, ticket_id):
    """The staff member ``staff_id`` stops following the ticket (not following: no change)."""
    return _follow(caller, ticket_id, follow=False)
