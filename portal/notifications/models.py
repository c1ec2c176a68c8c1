"""What each staff member wants to be emailed about, and the categories they follow."""
from sqlalchemy import Boolean, ForeignKey, true
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model

# The kinds of notification, each a column of NotificationPreference (and a word in unsubscribe links).
NEW_REQUEST, ASSIGNED, CUSTOMER_UPDATE, NAMED = "new_request", "assigned", "customer_update", "named"
FOLLOWED = "followed"
KINDS = (NEW_REQUEST, ASSIGNED, CUSTOMER_UPDATE, NAMED, FOLLOWED)


class NotificationPreference(Model):
    """One staff member's choices. No row means every kind on (and no category followed)."""

    __tablename__ = "notification_preference"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    new_request: Mapped[bool] = mapped_column(Boolean, default=True)  # created in a category they follow
    assigned: Mapped[bool] = mapped_column(Boolean, default=True)  # assigned to them by someone else
    customer_update: Mapped[bool] = mapped_column(Boolean, default=True)  # the customer answered their request
    named: Mapped[bool] = mapped_column(Boolean, default=True)  # named in private.request.*'s email_staff
    # a request they follow (portal.requests.subscriptions): the customer answered, or a colleague added a note
    followed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class FollowedCategory(Model):
    """A staff member is told of every new request in this category (when ``new_request`` is on)."""

    __tablename__ = "followed_category"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
