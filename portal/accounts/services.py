"""Staff and customer accounts, logins, password resets and API tokens."""
import functools
import hashlib
import hmac
import secrets
from datetime import timedelta

from werkzeug.security import check_password_hash

from ..dates import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from .models import ROLES, ApiToken, Customer, LoginAttempt, PasswordReset, Staff, hash_password

MIN_PASSWORD = 8
MAX_FAILURES = 10  # per account in FAILURE_WINDOW; the per-IP limit is Flask-Limiter's
MAX_IP_FAILURES = 30  # per address in FAILURE_WINDOW, for the private API's logins (ip_throttled)
FAILURE_WINDOW = timedelta(minutes=15)
RESET_LIFETIME = timedelta(hours=2)
TOKEN_PREFIX = "ptk_"


class TooManyAttempts(Conflict):
    status = 429
    message = "Too many failed login attempts. Please wait a few minutes and try again."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_password_rules(password: str, confirm: str | None = None, field: str = "password") -> None:
    errors = []
    if len(password or "") < MIN_PASSWORD:
        errors.append((field, f"Use at least {MIN_PASSWORD} characters."))
    elif confirm is not None and password != confirm:
        errors.append(("confirm", "The two passwords differ."))
    if errors:
        raise ValidationFailed(errors)


# --- staff -------------------------------------------------------------------------------------

def create_staff(email: str, password: str, *, role: str = "agent", first_name: str = "",
                 last_name: str = "") -> Staff:
    """Raises ValidationFailed (bad role, weak password) or Conflict (email taken)."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationFailed(("email", "Enter a valid email address."))
    if role not in ROLES:
        raise ValidationFailed(("role", f"Role must be one of {', '.join(ROLES)}."))
    check_password_rules(password)
    if db.session.execute(db.select(Staff.id).where(Staff.email == email)).first():
        raise Conflict(f"A staff account for {email} already exists.")
    staff = Staff(email=email, role=role, first_name=first_name or email.split("@")[0].title(),
                  last_name=last_name)
    staff.set_password(password)
    db.session.add(staff)
    db.session.flush()
    return staff


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _spend_a_password_check(password: str | None) -> None:
    """Run one scrypt check when there is no account (or no password) to check against, so the response
    time does not tell which emails have an account."""
    check_password_hash(_decoy_hash(), password or "")


def _throttled(account: str) -> bool:
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(db.select(db.func.count(LoginAttempt.id))
                                 .where(LoginAttempt.account == account[:255], LoginAttempt.created_at >= since))
    return failures >= MAX_FAILURES


def ip_throttled(ip: str) -> bool:
    """Too many failed logins from one address, whatever the accounts tried (the private API's
    per-IP guard, kept in the database so it holds across workers)."""
    if not ip:
        return False
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(db.select(db.func.count(LoginAttempt.id))
                                 .where(LoginAttempt.ip == ip[:45], LoginAttempt.created_at >= since))
    return failures >= MAX_IP_FAILURES


def _record_failure(account: str, ip: str) -> None:
    # A typed "email" can be any length; the column keeps 255 (no real address is longer).
    db.session.add(LoginAttempt(account=account[:255], ip=ip[:45]))
    db.session.flush()


def authenticate_staff(email: str, password: str, ip: str = "") -> Staff | None:
    """The active staff member with these credentials, or None. Raises TooManyAttempts.

    A failure is recorded (flushed): the caller commits it so throttling spans requests."""
    account = f"staff:{(email or '').strip().lower()}"
    if _throttled(account):
        raise TooManyAttempts()
    staff = db.session.execute(db.select(Staff).where(Staff.email == (email or "").strip().lower())
                               ).scalar_one_or_none()
    if staff is None:
        _spend_a_password_check(password)
    elif staff.active and staff.check_password(password or ""):
        return staff
    _record_failure(account, ip)
    return None


# --- customers ---------------------------------------------------------------------------------

def find_customer(email: str) -> Customer | None:
    return db.session.execute(db.select(Customer).where(Customer.email == (email or "").strip().lower())
                              ).scalar_one_or_none()


def register_customer(email: str, password: str, confirm: str | None = None) -> Customer:
    """Create a portal login, or give a password to the row a request created for this email.

    Raises ValidationFailed, or Conflict when the email already has a password."""
    from ..requests.services import normalise_email

    address, problem = normalise_email(email)
    errors = [("email", problem or "Please provide a valid email")] if problem or not address else []
    try:
        check_password_rules(password, confirm)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    customer = find_customer(address)
    if customer is not None and customer.has_password:
        raise Conflict("That email already has an account. Log in, or reset your password.")
    if customer is None:
        customer = Customer(email=address)
        db.session.add(customer)
    customer.set_password(password)
    db.session.flush()
    return customer


def authenticate_customer(email: str, password: str, ip: str = "") -> Customer | None:
    """Raises TooManyAttempts; returns None for bad credentials (and records the failure)."""
    account = f"customer:{(email or '').strip().lower()}"
    if _throttled(account):
        raise TooManyAttempts()
    customer = find_customer(email)
    if customer is None or not customer.has_password:
        _spend_a_password_check(password)
    elif customer.check_password(password or "") or (
            # HelpSpot trims API passwords (setPasswordByEmail stores them trimmed); a password set on the
            # portal is exact. Accept the exact one, then the trimmed one.
            (password or "") != (password or "").strip() and customer.check_password(password.strip())):
        customer.last_login_at = utcnow()
        return customer
    _record_failure(account, ip)
    return None


def set_customer_password(email: str, password: str) -> Customer:
    """Set (or create with) a portal password for an email: private.customer.setPasswordByEmail."""
    from ..requests.services import ensure_customer, normalise_email

    address, problem = normalise_email(email)
    if problem or not address:
        raise ValidationFailed(("sEmail", problem or "Valid email required"))
    if not (password or "").strip():
        raise ValidationFailed(("sPassword", "Password could not be updated"))
    customer = ensure_customer(address)
    customer.set_password(password.strip())
    db.session.flush()
    return customer


def change_customer_password(customer: Customer, current: str, password: str,
                             confirm: str | None = None) -> Customer:
    """A logged-in customer's new password. The current one must be typed again, so someone using a
    session left open cannot lock the owner out. Raises ValidationFailed."""
    if not customer.check_password(current or ""):
        raise ValidationFailed(("current", "That is not your current password."))
    check_password_rules(password, confirm)
    customer.set_password(password)
    db.session.flush()
    return customer


def start_password_reset(email: str) -> tuple[Customer, str] | None:
    """A new single-use reset token for an email with an account; None when there is none
    (the caller says the same thing either way, so accounts cannot be discovered)."""
    customer = find_customer(email)
    if customer is None:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(customer=customer, token_hash=_digest(token),
                                 expires_at=utcnow() + RESET_LIFETIME))
    db.session.flush()
    return customer, token


def _live_reset(token: str) -> PasswordReset | None:
    reset = db.session.execute(db.select(PasswordReset).where(PasswordReset.token_hash == _digest(token or ""))
                               ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def password_reset_is_live(token: str) -> bool:
    """Whether a reset link still works, so the page can say so before a new password is typed."""
    return _live_reset(token) is not None


def finish_password_reset(token: str, password: str, confirm: str | None = None) -> Customer:
    """Raises NotFound for an unknown, used or expired token; ValidationFailed for a weak password."""
    reset = _live_reset(token)
    if reset is None:
        raise NotFound("This reset link is invalid or has expired. Please ask for a new one.")
    check_password_rules(password, confirm)
    reset.customer.set_password(password)
    reset.used_at = utcnow()
    db.session.flush()
    return reset.customer


# --- API tokens --------------------------------------------------------------------------------

def create_api_token(staff: Staff, name: str) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    name = (name or "").strip()[:100]
    if not name:
        raise ValidationFailed(("name", "Give the token a name, such as the script that will use it."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(staff=staff, name=name, prefix=secret[:10], token_hash=_digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def staff_for_token(secret: str) -> Staff | None:
    """The active staff member a live token belongs to (and marks it used), or None.

    The lookup is by SHA-256, an exact index match, and the stored hash is then compared in constant time."""
    digest = _digest(secret or "")
    token = db.session.execute(db.select(ApiToken).where(ApiToken.token_hash == digest)).scalar_one_or_none()
    if token is None or token.revoked or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.staff.active:
        return None
    token.last_used_at = utcnow()
    return token.staff


def revoke_api_token(staff: Staff, token_id: int) -> ApiToken:
    """Revoke one of the staff member's own tokens (administrators may revoke anyone's)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.staff_id != staff.id and staff.role != "administrator"):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    return token
