"""Customer-facing account pages: create an account, log in and out, change or reset the password,
and the history of the requests sent with the account's email."""
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as N_
from flask_login import current_user, login_user, logout_user

from .. import challenge, settings, spam
from ..auth import current_customer, safe_next
from ..errors import NotFound, ValidationFailed
from ..forms import errors_by_field
from ..i18n import mail_gettext
from ..mail import send_after_commit
from ..requests import reading
from ..unit_of_work import abandon, keep
from ..urls import external_url
from . import services
from .forms import missing, values_of

bp = Blueprint("accounts", __name__, url_prefix="/account")

LOGIN_FAILED = N_("Your login failed. Please check your email and password and try again.")
NOT_HUMAN = N_("We could not tell that a person sent this form: it was sent within a moment of opening it, or it "
             "was left open for a long time. Please send it again.")
RESET_SENT = N_("If an account exists for {email}, we have emailed it a link to choose a new password. "
              "The link works once, for 2 hours.")
LINK_SENT = N_("We have emailed a link to {email}. Open it within 2 hours to choose your password; then every "
             "request sent with this email is listed here. If it does not arrive, check your spam folder.")
CONFIRM_SENT = N_("Please confirm your email first: we have emailed a link to {email}. Open it within 2 hours to "
                "choose your password; then every request sent with this email is listed here.")


def customer_required(view):
    """Pages for a logged-in customer: everyone else is sent to log in first, and brought back."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_customer() is None:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def _errors(pairs) -> dict:
    return errors_by_field(ValidationFailed(pairs))


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("accounts.history"))
    if request.method == "GET":
        if current_customer() is not None:
            return redirect(next_url)
        return render_template("accounts/login.html", values={"email": request.args.get("email", "")},
                               errors={}, next=request.args.get("next", ""))
    values = values_of(request.form, "email", "password")
    errors = missing(values, "email", "password")
    if not errors:
        try:
            customer = services.authenticate_customer(values["email"], values["password"], request.remote_addr or "")
        except services.TooManyAttempts as exc:
            return render_template("accounts/login.html", values=values, errors=_errors([("email", exc.message)]),
                                   next=request.form.get("next", "")), 429
        except services.EmailNotConfirmed as exc:
            # Only someone who knows the password gets here; the link goes to the address, never to them.
            _mail_password_link(services.start_confirmation(exc.customer))
            keep("the confirmation link just mailed must work, though the login is refused")
            errors = _errors([("email", str(CONFIRM_SENT).format(email=exc.customer.email))])
            return render_template("accounts/login.html", values=values, errors=errors,
                                   next=request.form.get("next", "")), 400
        keep("a failed login stays recorded, so throttling spans requests")
        if customer is not None:
            login_user(customer)
            flash(gettext("You are logged in."), "success")
            return redirect(next_url)
        errors = [("email", str(LOGIN_FAILED))]
    return render_template("accounts/login.html", values=values, errors=_errors(errors),
                           next=request.form.get("next", "")), 400


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_sessions(current_user._get_current_object())  # logging out here logs out every browser
    logout_user()
    flash(gettext("You are logged out."), "success")
    return redirect(url_for("site.home"))


def _mail_password_link(started) -> None:
    """Mail a link from start_registration or start_password_reset (None: nothing to mail)."""
    if started is None:
        return
    customer, token = started
    if customer.has_password and customer.email_confirmed:
        title = mail_gettext("[%(portal)s] Your account", portal=settings.get("portal_name"))
        template = "account_exists"
    else:
        title = mail_gettext("[%(portal)s] Choose your password", portal=settings.get("portal_name"))
        template = "account_welcome"
    send_after_commit(customer.email, title, template,
                      link=external_url("accounts.reset", token=token), login=external_url("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("accounts/register.html", values={"email": request.args.get("email", "")}, errors={})
    values = values_of(request.form, "email")
    if not spam.form_is_human(request.form.get("form_token"), request.form.get(spam.HONEYPOT_FIELD)):
        return render_template("accounts/register.html", values=values,
                               errors=_errors([("submit", str(NOT_HUMAN))])), 400
    try:
        challenge.check(request.form)
        started = services.start_registration(values["email"])
    except ValidationFailed as exc:
        abandon()
        return render_template("accounts/register.html", values=values, errors=errors_by_field(exc)), 400
    _mail_password_link(started)
    # The same answer for every address (a member is told in the mail, not here): no account discovery.
    flash(str(LINK_SENT).format(email=values["email"].strip()), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@customer_required
def password():
    if request.method == "GET":
        return render_template("accounts/password.html", errors={})
    values = values_of(request.form, "current", "password", "confirm")
    try:
        services.change_customer_password(current_customer(), values["current"], values["password"],
                                          values["confirm"])
    except ValidationFailed as exc:
        abandon()
        return render_template("accounts/password.html", errors=errors_by_field(exc)), 400
    login_user(current_user._get_current_object())  # this browser stays logged in, no other
    flash(gettext("Your password was changed. Any other browser logged in to your account has been logged out."),
          "success")
    return redirect(url_for("accounts.history"))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    if request.method == "GET":
        return render_template("accounts/forgot.html", values={"email": request.args.get("email", "")}, errors={})
    values = values_of(request.form, "email")
    errors = missing(values, "email")
    if errors:
        return render_template("accounts/forgot.html", values=values, errors=_errors(errors)), 400
    try:
        challenge.check(request.form)
    except ValidationFailed as exc:
        return render_template("accounts/forgot.html", values=values, errors=errors_by_field(exc)), 400
    started = services.start_password_reset(values["email"])
    if started is not None:
        customer, token = started
        send_after_commit(customer.email, mail_gettext("[%(portal)s] Choose a new password",
                                                       portal=settings.get("portal_name")), "password_reset",
                          link=external_url("accounts.reset", token=token))
    # The same answer whether or not the email has an account, so accounts cannot be discovered here.
    flash(str(RESET_SENT).format(email=values["email"].strip()), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    customer = services.password_link_customer(token)
    if customer is None:
        return render_template("accounts/reset_invalid.html"), 404
    first = not (customer.has_password and customer.email_confirmed)  # as the mail said (_mail_password_link)
    if request.method == "GET":
        return render_template("accounts/reset.html", token=token, first=first, errors={})
    values = values_of(request.form, "password", "confirm")
    try:
        customer = services.finish_password_reset(token, values["password"], values["confirm"])
    except NotFound:
        abandon()
        return render_template("accounts/reset_invalid.html"), 404
    except ValidationFailed as exc:
        abandon()
        return render_template("accounts/reset.html", token=token, first=first, errors=errors_by_field(exc)), 400
    login_user(customer)
    flash(gettext("Your password is set and you are logged in.") if first
          else gettext("Your new password is set and you are logged in. Every other browser has been logged out."),
          "success")
    return redirect(url_for("accounts.history"))


@bp.get("/requests")
@customer_required
def history():
    customer = current_customer()
    page = reading.customer_requests(customer.email, page=request.args.get("page", 1, type=int))
    return render_template("accounts/history.html", page=page)
