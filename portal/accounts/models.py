"""Staff, customer logins, login attempts and password resets (API keys: portal.apikeys)."""
from datetime import datetime
from typing import ClassVar

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..dates import utcnow
from ..extensions import Model

ROLES = ("administrator", "agent", "moderator")

# What each role may do. Services check these with ``Staff.can``; views only translate to 403.
PERMISSIONS = {
    "administrator": {"requests", "kb", "forums", "admin", "tokens"},
    "agent": {"requests", "kb", "tokens"},
    "moderator": {"forums", "kb", "tokens"},
}

# HelpSpot's fUserType scale, for private.util.getActiveStaff.
HELPSPOT_USER_TYPE = {"administrator": 1, "agent": 2, "moderator": 3}


def password_hash_method() -> str:
    """Werkzeug's name for the method of new hashes: scrypt, unless the config says otherwise (tests)."""
    return current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=password_hash_method())


class Staff(UserMixin, Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    signature: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Part of every session's and remember cookie's id; raising it ends them all (see portal.auth).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The staff pages' and staff mails' language ("de"); None: the browser's for pages, the site's for mails.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    # API keys (portal.apikeys); "tokens" is the HelpSpot API's word for them.
    tokens: Mapped[list["ApiKey"]] = relationship(back_populates="staff", cascade="all, delete-orphan")

    kind = "staff"

    def get_id(self) -> str:
        return f"staff:{self.id}:{self.session_generation or 0}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def can(self, permission: str) -> bool:
        return self.active and permission in PERMISSIONS.get(self.role, set())


class Customer(UserMixin, Model):
    """A portal login. Created without a password when a request arrives from a new email.

    The account shows the requests of its email, so it works only once the email is confirmed: by
    opening a link mailed to it (registration, password reset) or by staff setting the password."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)  # stored lower-cased
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Contact details (portal.accounts.contacts): kept by staff and the APIs, shown on the staff request page.
    first_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    phones: Mapped[list["CustomerPhone"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.id")

    kind = "customer"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_id(self) -> str:
        return f"customer:{self.id}:{self.session_generation or 0}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:  # no password set yet: nothing matches
            return False
        return check_password_hash(self.password_hash, password)


# HappyFox's phone types (its documented set); "o" when none is given.
PHONE_TYPES = {"mo": "Mobile", "w": "Work", "m": "Main", "h": "Home", "o": "Other"}


class CustomerPhone(Model):
    """One of a contact's phone numbers; at most one is primary (portal.accounts.contacts keeps that)."""

    __tablename__ = "customer_phone"
    change_owner: ClassVar = ("customer", "customer_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(2), default="o")
    number: Mapped[str] = mapped_column(String(40))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    customer: Mapped[Customer] = relationship(back_populates="phones")

    @property
    def kind_name(self) -> str:
        return PHONE_TYPES.get(self.kind, "Other")


class PasswordReset(Model):
    """A single-use, expiring link mailed to a customer to choose a password (registration or a reset).
    Opening it proves owning the email. Only a hash of the token is stored."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    customer: Mapped[Customer] = relationship()


class LoginAttempt(Model):
    """Failed logins, counted per account and per address so guessing is slowed across workers; and one
    successful login per (account, address), so that address's failures never lock that account out."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(255), index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


# The HelpSpot API's tokens became API keys (portal.apikeys): one model, under its old name too.
from ..apikeys.models import ApiKey  # noqa: E402

ApiToken = ApiKey
