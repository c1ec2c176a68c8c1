"""DeskPRO's Zapier app endpoints: ``apps/zapier/ping`` (the app's test of a key: 200 with the body ``[]``)
and ``apps/zapier/hooks`` (REST hook subscriptions, stored through ``portal.webhooks.hooks`` and delivered
through the outbox by ``portal.webhooks.services.emit``: one signed POST per subscription to an event or its
DeskPRO alias, with the ticket as this API shows it, retried and checked against private addresses as the
administrators' webhooks are)."""
from flask import make_response

from ...errors import ValidationFailed
from ...webhooks import hooks
from ..body import Input, from_service, json_body
from .dialect import created, date, envelope, route


def subscription(row) -> dict:
    return {"id": row.id, "target_url": row.target_url, "event": row.event, "date_created": date(row.created_at)}


@route("/apps/zapier/ping", "GET", "apps.zapier.ping", doc={"responses": {"200": {"type": "array", "maxItems": 0}}})
def ping(caller):
    response = make_response("[]", 200)
    response.mimetype = "application/json"
    return response


@route("/apps/zapier/hooks", "GET", "apps.zapier.list")
def list_hooks(caller):
    return envelope([subscription(row) for row in hooks.subscriptions(caller.staff, source="zapier")])


@route("/apps/zapier/hooks", ("POST", "PUT"), "apps.zapier.create")
def create_hook(caller):
    body = Input(json_body())
    target_url = body.text("target_url", required=True, max_length=hooks.MAX_URL)
    event = body.text("event", required=True, max_length=100)
    body.allow(*body.values)  # the app sends more about the zap (ids, filters); only these two are kept
    body.done()
    try:
        row = hooks.subscribe(caller.key, target_url=target_url, event=event)
    except ValidationFailed as exc:
        raise from_service(exc) from None
    return created(subscription(row), f"apps/zapier/hooks/{row.id}")


@route("/apps/zapier/hooks/<int:hook_id>", "GET", "apps.zapier.get")
def get_hook(caller, hook_id):
    return envelope(subscription(hooks.get(caller.staff, hook_id)))


@route("/apps/zapier/hooks/<int:hook_id>", "DELETE", "apps.zapier.delete")
def delete_hook(caller, hook_id):
    hooks.unsubscribe(caller.staff, hook_id)
    return envelope({})
