"""``HookSubscription``: one target URL subscribed to one event, made with an API key."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model


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

    __table_args__ = (Index("ix_hook_subscription_event", "event"),)
