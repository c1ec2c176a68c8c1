"""An API key: a named secret that acts as one staff member, with optional limits on what and how much.

Only the SHA-256 of the secret is stored (``token_hash``). A key is presented as ``N:SECRET`` (N is its id)
to the REST dialects, and as ``N:SECRET`` or the bare ``SECRET`` after ``Authorization: Bearer`` to the
HelpSpot API, which is how the API tokens issued before keys existed keep working.
"""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import Model

ALL_TAGS = "*"


class ApiKey(Model):
    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))  # the secret's first letters, to tell keys apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # DeskPRO's access pattern of endpoint tags ("*", "tickets.*, -*.delete"); see portal.apikeys.tags.
    tags: Mapped[str] = mapped_column(String(500), default=ALL_TAGS, server_default=ALL_TAGS)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    hourly_limit: Mapped[int | None] = mapped_column(Integer)
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff = relationship("Staff", back_populates="tokens")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()

    @property
    def live(self) -> bool:
        return not self.revoked and not self.expired
