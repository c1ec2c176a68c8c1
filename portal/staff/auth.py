"""Staff login, logout and dashboard (the profile page and API keys are in ``api_keys``)."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import login_user, logout_user

from .. import cache
from ..accounts import services as accounts
from ..auth import current_staff, safe_next, staff_required
from ..deflection import charts
from ..deflection import dashboard as help_desk
from ..extensions import db
from ..forums.models import Post
from ..requests import queue as request_queue
from ..requests import timelog
from ..unit_of_work import keep
from ..urls import whole_number
from .views import bp


@bp.route("/login", methods=["GET", "POST"])
def login():
    default = url_for("staff.dashboard")
    if current_staff() is not None and request.method == "GET":
        return redirect(safe_next(request.args.get("next"), default))
    error, status = None, 400
    email = request.form.get("email", "")
    if request.method == "POST":
        try:
            staff = accounts.authenticate_staff(email, request.form.get("password", ""),
                                                request.remote_addr or "")
        except accounts.TooManyAttempts as exc:
            staff, error, status = None, exc.message, exc.status
        keep("a failed login stays recorded, so throttling spans requests")
        if staff is not None:
            session.clear()  # a fresh session: no fixation across the login
            login_user(staff)
            return redirect(safe_next(request.form.get("next") or request.args.get("next"), default))
        error = error or gettext("That email and password do not match an active staff account.")
    return render_template("staff/login.html", email=email, error=error,
                           next=request.values.get("next", "")), status if error else 200


@bp.post("/logout")
def logout():
    staff = current_staff()
    if staff is not None:
        accounts.end_sessions(staff)  # logging out here logs out every browser
    logout_user()
    session.clear()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("staff.login"))


@bp.get("/")
@staff_required()
def dashboard():
    staff = current_staff()
    counts = request_queue.counts(staff) if staff.can("requests") else {}
    held = None
    if staff.can("forums"):
        held = db.session.scalar(db.select(db.func.count(Post.id)).where(Post.spam.is_(True)))
    time = timelog.dashboard_totals(staff) if staff.can("requests") else None
    days = whole_number(request.args.get("days"))
    days = days if days in help_desk.RANGES else 30
    # Computed at most once a minute per range and worker (1.7 s for 90 days at 100,000 requests: bench/README).
    figures = cache.cached(f"staff-dashboard:{days}", lambda: help_desk.figures(days), ttl=help_desk.CACHE_TTL,
                           tables=("deflection_week",)) if staff.can("requests") else None
    return render_template("staff/dashboard.html", counts=counts, held=held, figures=figures, time=time,
                           format_duration=timelog.format_duration,
                           ranges=help_desk.RANGES, chart_bars=charts.bars, chart_line=charts.line,
                           hours=help_desk.readable)
