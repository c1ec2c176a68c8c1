"""Staff and customer accounts, logins, mailed password links and API tokens.

Logins cost the same whatever the email: one scrypt check per form of the typed password, against the
account's hash or a decoy, whether the account exists, has a password, is active or is confirmed. So
neither the answer nor its time tells which emails have accounts.
"""
import functools
import hashlib
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as N_
from limits import parse_many
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..dates import utcnow
from ..errors import Conflict, NotFound, PortalError, ValidationFailed
from ..extensions import db
from ..i18n import INTERFACE_LOCALES
from ..security import LIMIT_DEFAULTS
from .models import ROLES, ApiToken, Customer, LoginAttempt, PasswordReset, Staff, password_hash_method

MIN_PASSWORD = 8
MAX_FAILURES = 10  # per account in FAILURE_WINDOW; the per-IP limit is Flask-Limiter's
MAX_IP_FAILURES = 30  # per address in FAILURE_WINDOW, for accounts never logged in from it (address_throttled)
FAILURE_WINDOW = timedelta(minutes=15)
RESET_LIFETIME = timedelta(hours=2)
MAIL_LIMIT = "RATELIMIT_ACCOUNT_MAIL"  # link mails per email address (and, in portal.security, per client)


class TooManyAttempts(Conflict):
    """Every login (portal, staff, private API, customer.getRequests) is refused by ``refuse_if_throttled``."""

    status = 429
    message = "Too many failed login attempts. Please wait a few minutes and try again."
    retry_after = int(FAILURE_WINDOW.total_seconds())  # seconds, for a Retry-After header


class EmailNotConfirmed(PortalError):
    """The password is right but the email was never proven (a row registered before that was required):
    it logs in to nothing until a link mailed to the address is opened."""

    status = 403
    message = "Please confirm your email first."

    def __init__(self, customer: Customer):
        super().__init__()
        self.customer = customer


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_password_rules(password: str, confirm: str | None = None, field: str = "password") -> None:
    errors = []
    if len(password or "") < MIN_PASSWORD:
        errors.append((field, gettext("Use at least %(min_password)s characters.", min_password=MIN_PASSWORD)))
    elif confirm is not None and password != confirm:
        errors.append(("confirm", gettext("The two passwords differ.")))
    if errors:
        raise ValidationFailed(errors)


def end_sessions(account: Staff | Customer) -> None:
    """End every session and remember cookie of the account, in every browser (portal.auth.load_user
    refuses a session made under an older generation). The caller logs the current browser in again
    when it should stay logged in."""
    account.session_generation = (account.session_generation or 0) + 1
    db.session.flush()


# --- staff -------------------------------------------------------------------------------------

def create_staff(email: str, password: str, *, role: str = "agent", first_name: str = "",
                 last_name: str = "") -> Staff:
    """Raises ValidationFailed (bad role, weak password) or Conflict (email taken)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationFailed(("email", gettext("Enter a valid email address.")))
    if role not in ROLES:
        raise ValidationFailed(("role", gettext("Role must be one of %(roles)s.", roles=", ".join(ROLES))))
    check_password_rules(password)
    if db.session.execute(db.select(Staff.id).where(Staff.email == email)).first():
        raise Conflict(gettext("A staff account for %(email)s already exists.", email=email))
    staff = Staff(email=email, role=role, first_name=first_name or email.split("@")[0].title(),
                  last_name=last_name)
    staff.set_password(password)
    db.session.add(staff)
    db.session.flush()
    return staff


# --- logins ------------------------------------------------------------------------------------

@functools.cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _spend_a_password_check(password: str) -> None:
    """One scrypt check against a decoy, for when there is no account or no password to check."""
    check_password_hash(_decoy_hash(password_hash_method()), password or "")


def _password_matches(password_hash: str | None, password: str) -> bool:
    """One scrypt check, against the decoy when there is no hash, so a missing account or password
    costs the same time as a wrong password."""
    if not password_hash:
        _spend_a_password_check(password)
        return False
    return check_password_hash(password_hash, password)


def _password_forms(password: str | None) -> list[str]:
    """The typed password, then the trimmed one when they differ: HelpSpot trims API passwords
    (setPasswordByEmail stores them trimmed), a password set on the portal is exact. Every account is
    checked against each form, so the number of checks depends on what was typed, never on the account."""
    password = password or ""
    return [password] if password == password.strip() else [password, password.strip()]


def _failures(*where) -> int:
    since = utcnow() - FAILURE_WINDOW
    return db.session.scalar(db.select(db.func.count(LoginAttempt.id)).where(
        LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since, *where))


def _logged_in_from(account: str, ip: str) -> bool:
    return db.session.scalar(db.select(LoginAttempt.id).where(
        LoginAttempt.account == account[:255], LoginAttempt.ip == ip[:45], LoginAttempt.succeeded.is_(True)
    ).limit(1)) is not None


def address_throttled(account: str, ip: str) -> bool:
    """Too many failed logins from this address, whatever the accounts tried, and this account has never
    logged in from it. An account that has is left to its own counter: many people share an address
    (an office behind NAT), and one guesser there must not lock all of them out."""
    if not ip or _failures(LoginAttempt.ip == ip[:45]) < MAX_IP_FAILURES:
        return False
    return not _logged_in_from(account, ip)


def refuse_if_throttled(account: str, ip: str) -> None:
    """The one throttle of every login: too many failures for the account (``staff:`` or ``customer:``
    and the email) or, for an account never logged in from it, from the address. Raises TooManyAttempts."""
    if _failures(LoginAttempt.account == account[:255]) >= MAX_FAILURES or address_throttled(account, ip):
        raise TooManyAttempts()


def _record_failure(account: str, ip: str) -> None:
    # A typed "email" can be any length; the column keeps 255 (no real address is longer).
    db.session.add(LoginAttempt(account=account[:255], ip=ip[:45]))
    db.session.flush()


def _record_success(account: str, ip: str) -> None:
    """Remember, once, that the account logged in from this address (see address_throttled)."""
    if ip and not _logged_in_from(account, ip):
        db.session.add(LoginAttempt(account=account[:255], ip=ip[:45], succeeded=True))
        db.session.flush()


def authenticate_staff(email: str, password: str, ip: str = "") -> Staff | None:
    """The active staff member with these credentials, or None. Raises TooManyAttempts.

    A deactivated account's password is checked too, and refused like a wrong one. A failure is recorded
    (flushed): the caller commits it so throttling spans requests."""
    address = (email or "").strip().lower()
    account = f"staff:{address}"
    refuse_if_throttled(account, ip)
    staff = db.session.execute(db.select(Staff).where(Staff.email == address)).scalar_one_or_none()
    matched = _password_matches(staff.password_hash if staff else None, password or "")
    if staff is not None and staff.active and matched:
        _record_success(account, ip)
        return staff
    _record_failure(account, ip)
    return None


def authenticate_customer(email: str, password: str, ip: str = "") -> Customer | None:
    """The customer with these credentials, or None (the failure is recorded). Raises TooManyAttempts, or
    EmailNotConfirmed when the password is right but the email was never proven."""
    account = f"customer:{(email or '').strip().lower()}"
    refuse_if_throttled(account, ip)
    customer = find_customer(email)
    password_hash = customer.password_hash if customer else None
    # Every password form is hashed whether or not the account exists: the same time for both answers.
    if not any(_password_matches(password_hash, form) for form in _password_forms(password)) or customer is None:
        _record_failure(account, ip)
        return None
    if not customer.email_confirmed:
        raise EmailNotConfirmed(customer)
    customer.last_login_at = utcnow()
    _record_success(account, ip)
    return customer


# --- customers ---------------------------------------------------------------------------------

INVALID_EMAIL = N_("This is not a valid email address.")  # (translated where returned)


def normalise_email(raw: str) -> tuple[str, str | None]:
    """(lower-cased address, or the raw text; error reason or None). The reason never repeats the input:
    API replies and pages show it, and an echoed address would be a way to put the caller's text there."""
    raw = (raw or "").strip()
    if not raw:
        return "", None
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return raw, str(INVALID_EMAIL)
    return checked.normalized.lower(), None


def ensure_customer(email: str) -> Customer:
    """The portal login row for an email, created without a password when missing."""
    customer = db.session.execute(db.select(Customer).where(Customer.email == email)).scalar_one_or_none()
    if customer is None:
        customer = Customer(email=email)
        db.session.add(customer)
    return customer


def find_customer(email: str) -> Customer | None:
    return db.session.execute(db.select(Customer).where(Customer.email == (email or "").strip().lower())
                              ).scalar_one_or_none()


def _mail_allowed(customer: Customer) -> bool:
    """Whether one more link may be mailed to this customer (RATELIMIT_ACCOUNT_MAIL), counted on the
    stored links: every worker and every client address share the count, so many addresses cannot flood
    one mailbox either. Off with the other limits (RATELIMIT_ENABLED)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True) or customer.id is None:
        return True
    for limit in parse_many(config.get(MAIL_LIMIT) or LIMIT_DEFAULTS[MAIL_LIMIT]):
        since = utcnow() - timedelta(seconds=limit.get_expiry())
        mailed = db.session.scalar(db.select(db.func.count(PasswordReset.id)).where(
            PasswordReset.customer_id == customer.id, PasswordReset.created_at >= since))
        if mailed >= limit.amount:
            return False
    return True


def _new_link(customer: Customer) -> tuple[Customer, str] | None:
    if not _mail_allowed(customer):
        current_app.logger.warning("password link for customer %s not mailed: %s reached", customer.id, MAIL_LIMIT)
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(customer=customer, token_hash=_digest(token),
                                 expires_at=utcnow() + RESET_LIFETIME))
    db.session.flush()
    return customer, token


def start_registration(email: str) -> tuple[Customer, str] | None:
    """A single-use link, for the caller to mail to the address, to choose the account's password.

    Stores nothing that grants access: the row (made now if no request made it before) gets a password,
    and shows its requests, only when the link is opened (finish_password_reset). The same for every
    address, whether or not it has an account, so the page cannot tell (the mail says which).
    None when the address has had its share of mails (the caller answers the same). Raises
    ValidationFailed for a malformed email."""
    address, problem = normalise_email(email)
    if problem or not address:
        raise ValidationFailed(("email", problem or gettext("Please provide a valid email")))
    customer = find_customer(address)
    if customer is None:
        try:
            with db.session.begin_nested():  # two registrations of one new address at once: one row
                customer = Customer(email=address)
                db.session.add(customer)
        except IntegrityError:  # the other registration's row is committed: use it
            customer = find_customer(address)
    assert customer is not None
    return _new_link(customer)


def start_confirmation(customer: Customer) -> tuple[Customer, str] | None:
    """A link for a customer whose password is right but whose email was never confirmed (see
    EmailNotConfirmed): opening it confirms the email and replaces the password, which someone else may
    have chosen. None when the address has had its share of mails."""
    return _new_link(customer)


def start_password_reset(email: str) -> tuple[Customer, str] | None:
    """A new single-use reset link for an email with an account; None when there is none, or when the
    address has had its share of mails (the caller says the same thing either way)."""
    customer = find_customer(email)
    return _new_link(customer) if customer is not None else None


def _live_reset(token: str) -> PasswordReset | None:
    reset = db.session.execute(db.select(PasswordReset).where(PasswordReset.token_hash == _digest(token or ""))
                               ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def password_link_customer(token: str) -> Customer | None:
    """The customer a link still works for (so the page can say so before a password is typed), or None."""
    reset = _live_reset(token)
    return reset.customer if reset is not None else None


def _new_customer_password(customer: Customer, password: str) -> None:
    """Every password change ends the account's sessions and its outstanding links."""
    customer.set_password(password)
    db.session.execute(db.update(PasswordReset).where(PasswordReset.customer_id == customer.id,
                                                      PasswordReset.used_at.is_(None)).values(used_at=utcnow()))
    end_sessions(customer)


def finish_password_reset(token: str, password: str, confirm: str | None = None) -> Customer:
    """Choose the password through a mailed link (registration or reset). Opening the link proved owning
    the email, so the email is confirmed. Ends every session and every other link of the account.

    Raises NotFound for an unknown, used or expired token; ValidationFailed for a weak password."""
    reset = _live_reset(token)
    if reset is None:
        raise NotFound(gettext("This link is invalid or has expired. Please ask for a new one."))
    check_password_rules(password, confirm)
    customer = reset.customer
    _new_customer_password(customer, password)
    customer.email_confirmed_at = customer.email_confirmed_at or utcnow()
    db.session.flush()
    return customer


def set_customer_password(email: str, password: str) -> Customer:
    """Set (or create with) a portal password for an email: private.customer.setPasswordByEmail.

    A staff action, so the email counts as confirmed: the caller can already read every request of the
    address, and HelpSpot integrations use it for customers they know. Ends the account's sessions."""
    address, problem = normalise_email(email)
    if problem or not address:
        raise ValidationFailed(("sEmail", problem or gettext("Valid email required")))
    if not (password or "").strip():
        raise ValidationFailed(("sPassword", gettext("Password could not be updated")))
    customer = ensure_customer(address)
    db.session.flush()
    _new_customer_password(customer, password.strip())
    customer.email_confirmed_at = customer.email_confirmed_at or utcnow()
    db.session.flush()
    return customer


def change_customer_password(customer: Customer, current: str, password: str,
                             confirm: str | None = None) -> Customer:
    """A logged-in customer's new password. The current one must be typed again, so someone using a
    session left open cannot lock the owner out. Ends every session (the caller logs this browser in
    again) and outstanding links. Raises ValidationFailed."""
    if not customer.check_password(current or ""):
        raise ValidationFailed(("current", gettext("That is not your current password.")))
    check_password_rules(password, confirm)
    _new_customer_password(customer, password)
    db.session.flush()
    return customer


# --- API tokens ----------------------------------------------------------------------------------
# The HelpSpot API's tokens are API keys (portal.apikeys) with every tag and no caps.

def set_interface_language(staff: Staff, code: str | None) -> None:
    """The language of ``staff``'s pages and notification mails; empty: the browser's (pages) and the site's
    (mails). Raises ValidationFailed for a language the interface has no catalogue for."""
    code = (code or "").strip().lower() or None
    if code is not None and code not in INTERFACE_LOCALES:
        raise ValidationFailed(("language", gettext("Choose one of the languages listed.")))
    staff.language = code
    db.session.flush()


def create_api_token(staff: Staff, name: str) -> tuple[ApiToken, str]:
    """A new full-access key for ``staff``; the secret is returned once and only its hash is kept."""
    from ..apikeys import services as apikeys

    return apikeys.create_key(staff, staff, name)


def staff_for_token(secret: str) -> Staff | None:
    """The active staff member a live key belongs to (``N:SECRET`` or the bare secret; marked used), or None."""
    from ..apikeys import services as apikeys

    try:
        return apikeys.authenticate(secret).staff
    except (apikeys.KeyRefused, apikeys.KeyThrottled):
        return None


def revoke_api_token(staff: Staff, token_id: int) -> ApiToken:
    """Revoke one of the staff member's own tokens (administrators may revoke anyone's). Raises NotFound."""
    from ..apikeys import services as apikeys

    return apikeys.revoke_key(staff, token_id)
