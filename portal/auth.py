"""Who is logged in: a staff member (``staff:<id>:<generation>``) or a customer (``customer:<id>:<generation>``),
via Flask-Login.

The generation is the account's ``session_generation`` when the session (or remember cookie) was made.
Logging out, a password change or reset, an administrator setting a staff password and deactivation
raise it (``accounts.services.end_sessions``), so every session made before stops loading."""
import functools
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam

from .accounts.models import Customer, Staff
from .extensions import db, login_manager
from .requests.categories import load_staff


def init_app(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to continue."


@login_manager.user_loader
def load_user(user_id: str):
    """The account a session or remember cookie names, while that session is still current.

    An id without a generation (sessions made before generations existed) counts as generation 0."""
    kind, _, rest = (user_id or "").partition(":")
    raw, _, generation = rest.partition(":")
    if not raw.isdigit() or not (generation or "0").isdigit():
        return None
    user: Staff | Customer | None = None
    # Every logged-in request: prepared statements (session.get rebuilds its SELECT each time); a staff member
    # with the categories the staff pages limit them to, which those pages would otherwise ask for next.
    if kind == "staff":
        user = load_staff(int(raw))
    elif kind == "customer":
        user = db.session.execute(_customer_by_id(), {"id": int(raw)}).scalar_one_or_none()
    if user is None or int(generation or 0) != (user.session_generation or 0):
        return None
    if isinstance(user, Staff) and not user.active:
        return None
    if isinstance(user, Customer) and not user.email_confirmed:
        return None  # an account shows its email's requests only once the email is proven
    return user


@functools.cache
def _customer_by_id():
    return db.select(Customer).where(Customer.id == bindparam("id"))


def current_staff():
    """The logged-in staff member, or None: the account itself, not Flask-Login's proxy to it (every
    attribute read through the proxy looks the user up again; a staff page reads it some thirty times)."""
    user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) and getattr(user, "kind", "") == "staff" else None


def current_customer():
    user = current_user
    return user if getattr(user, "is_authenticated", False) and getattr(user, "kind", "") == "customer" else None


def staff_required(permission: str | None = None):
    """Views for staff: log in first (redirect), then the right permission (403)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            if permission and not staff.can(permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def safe_next(target: str | None, default: str) -> str:
    """Only local paths, never another host: no open redirects.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so a slash, a tab and
    "/evil.example" would become "//evil.example": any control character or backslash is refused."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
            and not urlsplit(target).netloc and not urlsplit(target).scheme):
        return target
    return default
