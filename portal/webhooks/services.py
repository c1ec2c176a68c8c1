"""Webhook endpoints (registering, listing, disabling), emitting events, and delivering them.

- :func:`emit` ``(event, data)`` is called by the services where a change happens: one ``webhook`` job per
  active endpoint subscribed to the event, in the caller's unit of work (so only a committed change is sent).
- :func:`deliver` is the outbox's delivery of such a job: it POSTs the body signed with the endpoint's
  secret, logs the attempt, and raises :class:`outbox.Retry` on a failure so the worker tries again later.
  An endpoint failing for WEBHOOK_DISABLE_AFTER seconds (a day) without a success is disabled.
- Target URLs are checked when registered and again before each delivery: no loopback, link-local,
  private or otherwise reserved address unless the portal setting ``webhooks_allow_private`` is on (SSRF).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from .. import outbox, settings, unit_of_work
from ..errors import N_, NotFound, ValidationFailed
from ..extensions import db
from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
JOB_KIND = "webhook"
# event name: what it means (the order of the admin page's checkboxes; marked N_, translated on the page)
EVENTS: dict[str, str] = {
    "request.created": N_("A request is opened (not one judged spam)"),
    "request.note_added": N_("A note is added to a request by staff or the customer"),
    "request.status_changed": N_("A request's status changes"),
    "request.closed": N_("A request is closed"),
    "kb.page_published": N_("A knowledge-book page becomes visible (made visible, or made as such)"),
    "kb.page_updated": N_("A visible knowledge-book page is edited"),
    "forum.topic_created": N_("A forum topic is started"),
    "forum.post_created": N_("A forum reply is posted"),
    "forum.post_held": N_("A forum post or topic is held as spam"),
}
EXCERPT = 500  # characters of a receiver's answer kept in the delivery log
READ_LIMIT = 4096  # bytes of it read at most


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _require_admin(actor) -> None:
    from ..accounts.admin import require_admin

    require_admin(actor)


# ------------------------------------------------------------------------------------------ targets (SSRF)

def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_link_local or address.is_private or address.is_reserved
            or address.is_multicast or address.is_unspecified or not address.is_global)


def private_allowed() -> bool:
    return bool(settings.get("webhooks_allow_private"))


def check_url(url: str, *, allow_private: bool | None = None) -> str:
    """The URL, trimmed, if a webhook may be sent to it. Raises ValidationFailed (field ``url``) for another
    scheme, a missing host, a host that does not resolve, or one resolving to a loopback, link-local or
    private address while the setting ``webhooks_allow_private`` is off."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(("url", gettext("Give an http:// or https:// address.")))
    if len(url) > 2000:
        raise ValidationFailed(("url", gettext("Use at most 2,000 characters.")))
    if parts.username or parts.password:
        raise ValidationFailed(("url", gettext("Put no user name or password in the address; the "
                                               "signature authenticates each delivery.")))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise ValidationFailed(("url", gettext("That host name cannot be resolved."))) from None
    if allow_private is None:
        allow_private = private_allowed()
    if not allow_private:
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if _refused(address):
                raise ValidationFailed(("url", f"{parts.hostname} is a loopback, link-local or private "
                                               f"address ({address}); the setting webhooks_allow_private "
                                               "allows such targets."))
    return url


# ------------------------------------------------------------------------------------------ endpoints

def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _events(chosen) -> list[str]:
    events = [event for event in EVENTS if event in set(chosen or ())]
    unknown = sorted(set(chosen or ()) - set(EVENTS))
    if unknown or not events:
        raise ValidationFailed(("events", gettext("Choose at least one of the events listed.")))
    return events


def create_endpoint(actor, url: str, events, description: str = "") -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (to show once). Raises Forbidden, ValidationFailed."""
    _require_admin(actor)
    errors = []
    try:
        url = check_url(url)
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        chosen = _events(events)
    except ValidationFailed as exc:
        errors += exc.errors
    description = " ".join((description or "").split())
    if len(description) > 200:
        errors.append(("description", gettext("Use at most 200 characters.")))
    if errors:
        raise ValidationFailed(errors)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, events=chosen, description=description, secret=secret, active=True,
                               consecutive_failures=0, total_failures=0, total_deliveries=0,
                               created_by_id=getattr(actor, "id", None), created_at=_now())
    db.session.add(endpoint)
    db.session.flush()
    return endpoint, secret


def endpoints(actor) -> list[WebhookEndpoint]:
    _require_admin(actor)
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(actor, endpoint_id: int) -> WebhookEndpoint:
    _require_admin(actor)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(gettext("No such webhook endpoint."))
    return endpoint


def set_active(actor, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Disable an endpoint (nothing more is sent to it), or enable it again with its failures forgotten.
    Enabling checks the URL again. Raises Forbidden, NotFound, ValidationFailed."""
    endpoint = get_endpoint(actor, endpoint_id)
    if active:
        check_url(endpoint.url)
        endpoint.active, endpoint.disabled_reason = True, None
        endpoint.failing_since, endpoint.consecutive_failures = None, 0
    else:
        endpoint.active, endpoint.disabled_reason = False, "Disabled by an administrator"
    db.session.flush()
    return endpoint


def deliveries(actor, endpoint_id: int, limit: int = 50) -> list[WebhookDelivery]:
    endpoint = get_endpoint(actor, endpoint_id)
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


@dataclass(frozen=True)
class HookSummary:
    """A REST hook subscription on the administrators' page, with its delivery counts."""
    subscription: object  # HookSubscription
    deliveries: int
    failures: int


def hook_subscriptions(actor) -> list[HookSummary]:
    """Every REST hook subscription (DeskPRO's Zapier hooks), with who made it and how many deliveries and
    failures its log holds: two queries whatever their number. Raises Forbidden for anyone but an
    administrator."""
    from sqlalchemy.orm import selectinload

    from .models import HookSubscription

    _require_admin(actor)
    rows = list(db.session.scalars(select(HookSubscription).options(selectinload(HookSubscription.staff))
                                   .order_by(HookSubscription.id)))
    counts = {sub_id: (total, failed) for sub_id, total, failed in db.session.execute(
        select(WebhookDelivery.subscription_id, func.count(WebhookDelivery.id),
               func.count(WebhookDelivery.id).filter(WebhookDelivery.ok.is_(False)))
        .where(WebhookDelivery.subscription_id.in_([row.id for row in rows]))
        .group_by(WebhookDelivery.subscription_id))} if rows else {}
    return [HookSummary(row, *counts.get(row.id, (0, 0))) for row in rows]


def get_hook(actor, subscription_id: int):
    """One REST hook subscription, for an administrator. Raises Forbidden, NotFound."""
    from .models import HookSubscription

    _require_admin(actor)
    row = db.session.get(HookSubscription, subscription_id)
    if row is None:
        raise NotFound(gettext("No such hook subscription."))
    return row


def hook_deliveries(actor, subscription_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """The delivery log of a REST hook subscription, newest first. Raises Forbidden, NotFound."""
    hook = get_hook(actor, subscription_id)
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == hook.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


# ------------------------------------------------------------------------------------------ emitting

def emit(event: str, data: dict) -> list[str]:
    """Queue ``event`` for every active endpoint subscribed to it, in the current unit of work. Returns the
    message ids (each endpoint's ``webhook-id``)."""
    if event not in EVENTS:
        raise LookupError(f"unknown webhook event {event!r}")
    with db.session.no_autoflush:
        subscribed = [endpoint_id for endpoint_id, events in db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True)))
            if event in (events or ())]
    hooks_ids = _emit_to_hooks(event, data)
    if not subscribed:
        return hooks_ids
    body = json.dumps({"type": event, "timestamp": _now().isoformat(timespec="seconds") + "Z", "data": data},
                      separators=(",", ":"), default=str)
    ids = hooks_ids
    for endpoint_id in subscribed:
        message_id = f"msg_{uuid.uuid4().hex}"
        outbox.enqueue(JOB_KIND, {"endpoint_id": endpoint_id, "event": event, "message_id": message_id,
                                   "body": body}, key=message_id)
        ids.append(message_id)
    return ids


# The names REST hook subscribers (DeskPRO's Zapier app) use for our events; a subscription may also name one
# of EVENTS itself. Each of our events maps to at most one alias, so one change sends one message per hook.
HOOK_ALIASES: dict[str, str] = {
    "request.created": "new_ticket",
    "request.note_added": "new_ticket_message",
    "request.status_changed": "ticket_updated",
    "kb.page_published": "new_article",
    "kb.page_updated": "article_updated",
    "forum.topic_created": "new_forum_topic",
    "forum.post_created": "new_forum_post",
}


def _emit_to_hooks(event: str, data: dict) -> list[str]:
    """One ``webhook`` job per REST hook subscription to ``event`` (or its alias), in the current unit of
    work. The body is the event's envelope (``type`` is the name subscribed to); request events also carry
    the ticket as DeskPRO's API shows it, which is what the Zapier app reads."""
    from .models import HookSubscription

    names = {event} | ({HOOK_ALIASES[event]} if event in HOOK_ALIASES else set())
    with db.session.no_autoflush:
        rows = db.session.execute(select(HookSubscription.id, HookSubscription.event)
                                  .where(HookSubscription.event.in_(names))
                                  .order_by(HookSubscription.id)).all()
    if not rows:
        return []
    extra = {}
    if event.startswith("request.") and "request" in data:
        from ..models import Request
        from ..rest.deskpro.tickets import ticket

        req = db.session.get(Request, data["request"]["id"])
        if req is not None:
            extra["ticket"] = ticket(req)
    ids = []
    stamp = _now().isoformat(timespec="seconds") + "Z"
    for subscription_id, name in rows:
        body = json.dumps({"type": name, "timestamp": stamp, "data": {**data, **extra}},
                          separators=(",", ":"), default=str)
        message_id = f"msg_{uuid.uuid4().hex}"
        outbox.enqueue(JOB_KIND, {"subscription_id": subscription_id, "event": event, "message_id": message_id,
                                   "body": body}, key=message_id)
        ids.append(message_id)
    return ids


# ------------------------------------------------------------------------------------------ delivering

def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header: ``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body`` keyed
    with the secret's bytes (the base64 after ``whsec_``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as a failure: following it could reach an address the check refused."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects())


@dataclass
class Attempt:
    status_code: int | None
    ok: bool
    error: str | None
    excerpt: str | None
    duration_ms: int


def _post(url: str, body: str, headers: dict[str, str], timeout: float) -> Attempt:
    started = time.monotonic()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    status, error, raw = None, None, b""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read(READ_LIMIT)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(READ_LIMIT) if exc.fp is not None else b""
        error = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out, bad answer
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    if status is not None and not ok and error is None:
        error = f"HTTP {status}"
    excerpt = raw.decode("utf-8", "replace")[:EXCERPT] if raw else None
    return Attempt(status, ok, error, excerpt, int((time.monotonic() - started) * 1000))


def deliver(payload: dict) -> None:
    """Send one ``webhook`` job. Returns when the receiver answered 2xx (or the endpoint is gone or
    disabled: nothing to send); raises :class:`outbox.Retry` otherwise."""
    if "subscription_id" in payload:
        _deliver_hook(payload)
        return
    config = current_app.config
    with unit_of_work.separate("a worker reads the endpoint it delivers to") as session:
        endpoint = session.get(WebhookEndpoint, payload["endpoint_id"])
        if endpoint is None or not endpoint.active:
            log.info("webhook %s not sent: endpoint %s is gone or disabled", payload.get("event"),
                     payload["endpoint_id"])
            return
        url, secret = endpoint.url, endpoint.secret
    message_id = payload["message_id"]
    try:
        check_url(url)
    except ValidationFailed as exc:
        attempt = Attempt(None, False, "refused: " + exc.errors[0][1], None, 0)
    else:
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "User-Agent": "Portico-Webhooks/1",
                   "webhook-id": message_id, "webhook-timestamp": str(timestamp),
                   "webhook-signature": sign(secret, message_id, timestamp, payload["body"])}
        attempt = _post(url, payload["body"], headers, float(config.get("WEBHOOK_TIMEOUT", 10)))
    _record(payload["endpoint_id"], message_id, payload.get("event", ""), attempt,
            timedelta(seconds=float(config.get("WEBHOOK_DISABLE_AFTER", 86400))))
    if not attempt.ok:
        raise outbox.Retry(f"webhook to {url}: {attempt.error}")


def _hook_target(subscription_id: int, event: str) -> str | None:
    """The subscription's URL if it is still to be sent to: it exists, its key is live, its staff member
    active and allowed to see the event (request events need the ``requests`` right)."""
    from .models import HookSubscription

    with unit_of_work.separate("a worker reads the hook subscription it delivers to") as session:
        row = session.get(HookSubscription, subscription_id)
        if row is None or row.api_key is None or not row.api_key.live or row.staff is None \
                or not row.staff.active:
            return None
        if event.startswith("request.") and not row.staff.can("requests"):
            return None
        return row.target_url


def _deliver_hook(payload: dict) -> None:
    """Send one job for a REST hook subscription: the same checks (SSRF), timeout and retries as an
    endpoint's; no signature (the subscriber holds no secret) but the ``webhook-id`` to drop a repeat.
    A 410 Gone answer ends the subscription, as the REST hook convention (Zapier's) says."""
    config = current_app.config
    url = _hook_target(payload["subscription_id"], payload.get("event", ""))
    if url is None:
        log.info("hook %s not sent: subscription %s is gone or its key is not live", payload.get("event"),
                 payload["subscription_id"])
        return
    message_id = payload["message_id"]
    try:
        check_url(url)
    except ValidationFailed as exc:
        _record_hook(payload["subscription_id"], message_id, payload.get("event", ""),
                     Attempt(None, False, "refused: " + exc.errors[0][1], None, 0))
        raise outbox.Retry(f"hook to {url} refused: {exc.errors[0][1]}") from None
    headers = {"Content-Type": "application/json", "User-Agent": "Portico-Webhooks/1", "webhook-id": message_id,
               "webhook-timestamp": str(int(time.time()))}
    attempt = _post(url, payload["body"], headers, float(config.get("WEBHOOK_TIMEOUT", 10)))
    _record_hook(payload["subscription_id"], message_id, payload.get("event", ""), attempt)
    if attempt.status_code == 410:
        from .models import HookSubscription

        with unit_of_work.separate("a hook's receiver said the subscription is gone") as session:
            row = session.get(HookSubscription, payload["subscription_id"])
            if row is not None:
                session.delete(row)
        log.info("hook subscription %s removed: its receiver answered 410 Gone", payload["subscription_id"])
        return
    if not attempt.ok:
        raise outbox.Retry(f"hook to {url}: {attempt.error}")


def _record_hook(subscription_id: int, message_id: str, event: str, attempt: Attempt) -> None:
    """Log an attempt to a REST hook subscription, in the log endpoints use (no counters: a hook that fails
    is not disabled; its subscriber unsubscribes, or its key is revoked)."""
    from .models import HookSubscription

    with unit_of_work.separate("a worker logs a hook delivery") as session:
        if session.get(HookSubscription, subscription_id) is None:  # unsubscribed meanwhile: its log is gone
            return
        session.add(WebhookDelivery(subscription_id=subscription_id, message_id=message_id, event=event[:60],
                                    status_code=attempt.status_code, ok=attempt.ok, error=attempt.error,
                                    response_excerpt=attempt.excerpt, duration_ms=attempt.duration_ms,
                                    created_at=_now()))


def _record(endpoint_id: int, message_id: str, event: str, attempt: Attempt, disable_after: timedelta) -> None:
    """Log the attempt and keep the endpoint's counters; disable it after ``disable_after`` of failures."""
    at = _now()
    with unit_of_work.separate("a worker logs a webhook delivery") as session:
        # Lock the endpoint first, then insert the log row. The other order deadlocks on PostgreSQL between
        # two workers: the insert's foreign key takes a KEY SHARE lock on the endpoint that each then waits
        # on the other to release. FOR NO KEY UPDATE (key_share) does not conflict with those locks at all.
        endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update={"key_share": True})
        if endpoint is None:
            return
        session.add(WebhookDelivery(endpoint_id=endpoint_id, message_id=message_id, event=event,
                                    status_code=attempt.status_code, ok=attempt.ok, error=attempt.error,
                                    response_excerpt=attempt.excerpt, duration_ms=attempt.duration_ms,
                                    created_at=at))
        endpoint.total_deliveries = (endpoint.total_deliveries or 0) + 1
        if attempt.ok:
            endpoint.failing_since, endpoint.consecutive_failures = None, 0
            return
        endpoint.failing_since = endpoint.failing_since or at
        endpoint.consecutive_failures = (endpoint.consecutive_failures or 0) + 1
        endpoint.total_failures = (endpoint.total_failures or 0) + 1
        if endpoint.active and at - endpoint.failing_since >= disable_after:
            endpoint.active = False
            endpoint.disabled_reason = ("Disabled automatically: every delivery failed since "
                                        f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC "
                                        f"({endpoint.consecutive_failures} failures)")
            log.warning("webhook endpoint %s disabled after failing since %s", endpoint_id, endpoint.failing_since)
