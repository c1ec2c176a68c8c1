"""Jinja filters and globals shared by every template."""
from datetime import datetime

from flask import request, url_for
from markupsafe import Markup

from . import settings, spam
from .auth import current_customer, current_staff
from .dates import utcnow
from .text import note_html, page_html


def long_date(value: datetime | None) -> str:
    """HelpSpot's long format: "Jun 6 2008, 02:27 PM" (UTC)."""
    if value is None:
        return ""
    return f"{value:%b} {value.day} {value:%Y, %I:%M %p}"


def short_date(value: datetime | None) -> str:
    return "" if value is None else f"{value:%b} {value.day}, {value:%Y}"


def time_since(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = int((utcnow() - value).total_seconds())
    for unit, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat() + "Z"


def page_url(page: int) -> str:
    """The current URL with another ``page`` number, keeping every other query argument."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app) -> None:
    app.jinja_env.filters.update(long_date=long_date, short_date=short_date, time_since=time_since, iso=iso,
                                 note_html=note_html, page_html=page_html)
    app.jinja_env.globals.update(page_url=page_url, form_token=spam.form_token,
                                 honeypot_field=spam.HONEYPOT_FIELD)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def portal_context():
        return {"portal": settings.all_settings(), "current_staff": current_staff(),
                "current_customer": current_customer()}
