"""Webhook endpoints registered by administrators, the log of deliveries to each, and the REST hook
subscriptions (Zapier's) made through API keys."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model


class WebhookEndpoint(Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON)  # event names, e.g. ["request.created", "kb.page_published"]
    # "whsec_<base64>": kept to sign each delivery; shown to the administrator once, when made.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # Failures since the last success: when the first of them happened and how many there were.
    failing_since: Mapped[datetime | None] = mapped_column(DateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    total_failures: Mapped[int] = mapped_column(Integer, default=0)
    total_deliveries: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    deliveries = relationship("WebhookDelivery", back_populates="endpoint", cascade="all, delete-orphan",
                              passive_deletes=True, order_by="WebhookDelivery.id.desc()", lazy="dynamic")


class WebhookDelivery(Model):
    """One attempt at delivering one message to one endpoint, or to one REST hook subscription (DeskPRO's
    Zapier hooks): exactly one of ``endpoint_id`` and ``subscription_id`` is set."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_endpoint_id", "endpoint_id", "id"),
                      Index("ix_webhook_delivery_subscription_id", "subscription_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    # A hook's log goes with it (unsubscribed, its key deleted, or its receiver answered 410 Gone).
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("hook_subscription.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header, the same on every retry
    event: Mapped[str] = mapped_column(String(60))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None: no HTTP answer (refused, timed out)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    endpoint = relationship(WebhookEndpoint, back_populates="deliveries")


class HookSubscription(Model):
    """A REST hook: when ``event`` happens (e.g. ``new_ticket``, ``ticket_updated``), POST the resource to
    ``target_url``. Made through the key ``api_key_id`` acting for staff member ``staff_id``; deliveries
    see what that staff member may see. Deleted with the key; a delivery skips subscriptions whose key is
    revoked or expired (``apikeys.services.authenticate``'s rules)."""

    __tablename__ = "hook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20), default="zapier")  # which app subscribed
    event: Mapped[str] = mapped_column(String(100))
    target_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    api_key = relationship("ApiKey")
    staff = relationship("Staff")
    deliveries = relationship(WebhookDelivery, cascade="all, delete-orphan", passive_deletes=True,
                              order_by=WebhookDelivery.id.desc(), lazy="dynamic")

    __table_args__ = (Index("ix_hook_subscription_event", "event"),)
