"""Portal settings stored in the database, with typed defaults. Read once per request."""
import json
import re
from datetime import datetime

from flask import g, has_app_context
from flask_babel import gettext, lazy_gettext
from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from . import cache
from .dates import utcnow
from .errors import N_, ValidationFailed
from .extensions import Model, db
from .text import clean_html, single_line


class Setting(Model):
    """One portal setting; values are JSON text. Defaults live in ``DEFAULTS`` below."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# key: (default, description). The type of the default is the type of the setting.
DEFAULTS: dict[str, tuple[object, str]] = {
    "portal_name": ("Portico Help Desk", N_("Name shown in the header and emails")),
    "welcome_message": ("<p>Welcome! Search the knowledge books, ask the community in the forums, "
                        "or submit a request and we will get back to you.</p>", N_("Home page message (HTML)")),
    "portal_phone": ("", N_("Phone number shown in the navigation")),
    "public_api": (False, N_("Public web-service API enabled")),
    "private_api": (True, N_("Private web-service API enabled")),
    "allow_subject": (True, N_("Customers may give a subject on the request form")),
    "auto_reply": (True, N_("Email the customer a link when a request is submitted")),
    "closed_visible_days": (2, N_("Days a closed request stays visible by access key (0: hidden once closed)")),
    "access_link_days": (30, N_("Days a link in a request email works; the access key always does (0: emails "
                             "link to the access key's page instead)")),
    "allow_uploads": (True, N_("Customers may attach files")),
    "blocked_extensions": ("exe,vbs,bat,cmd,com,js,jar,msi,scr,ps1,sh,php", N_("File extensions refused on upload")),
    "max_upload_mb": (10, N_("Largest file accepted, in megabytes")),
    "max_request_history": (1500, N_("Most history rows a request may have before updates are refused")),
    "spam_link_count": (4, N_("A post or request with this many links or more is held as spam")),
    "form_max_age": (1200, N_("Seconds a form stays valid before it is judged a bot's")),
    "form_min_seconds": (2, N_("Forms sent faster than this after loading are judged a bot's")),
    "proof_of_work": (False, N_("Anonymous forms ask the visitor's browser to solve a small puzzle first (needs "
                             "JavaScript; for when the honeypot and the form timer are not enough)")),
    "proof_of_work_difficulty": (100000, N_("Largest secret number of that puzzle: a browser tries half of it on "
                                         "average (100000: about a tenth of a second)")),
    "max_search_results": (50, N_("Most results a search returns")),
    "deflection_keep_days": (56, N_("Days single deflection events are kept before `flask deflection rollup` counts "
                                 "them into weekly totals")),
    "stale_page_days": (365, N_("Knowledge-book pages not updated for this many days are listed as stale")),
    "forum_page_size": (40, N_("Topics per page")),
    "forum_feeds": (True, N_("RSS feeds for forums")),
    "forum_feed_size": (10, N_("Topics in an RSS feed")),
    "forum_close_after_days": (0, N_("Close topics with no reply for this many days (0: never)")),
    "webhooks_allow_private": (False, N_("Webhook endpoints may be on loopback, link-local or private addresses "
                                      "(a receiver on this host or network; off guards against SSRF)")),
    "require_login": (False, N_("Only logged-in customers may use the portal")),
    "max_body_kb_customer": (64, N_("Largest note, update, forum post or large custom field a customer or the public "
                                 "API may send, in KB")),
    "maintenance_mode": (False, N_("The REST APIs answer every call 423 Locked (help desk offline for maintenance)")),
    "languages": ("en", N_("Languages of the knowledge books, comma separated two-letter codes; the first is the "
                        "default (existing pages are in it)")),
    "reply_attachments_max_kb": (5120, N_("Attachments of a staff reply are mailed to the customer up to this total "
                                       "size, in KB (larger ones are left on the request page; 0: none)")),
    "inbound_poll_seconds": (60, N_("Seconds between two looks at each IMAP mailbox by the worker")),
    "inbound_loop_protection": (True, N_("Skip inbound mail that is automatic: Auto-Submitted, Precedence "
                                      "bulk/junk/list, X-Auto-Response-Suppress, delivery reports, our own mail")),
    "auto_replies_per_day": (3, N_("Most automatic replies (\"We received your request\") sent to one address a "
                                "day for mail it sends in (0: none)")),
    "max_body_kb_staff": (512, N_("Largest staff note, knowledge-book page, post edit or welcome message, in KB")),
}
# Plain-text settings are shown on every page: a name, not a document.
MAX_SETTING_CHARS = 1000
HTML_SETTINGS = {"welcome_message"}
# Numbers reach queries (LIMIT, OFFSET: INTEGER range) and timedelta(days=...) (at most 999,999,999).
MAX_SETTING = 999_999_999


# Every page reads the settings; they change a few times a year. Each process keeps them SETTINGS_TTL
# seconds (see portal.cache): a change committed by this process shows at once, one committed by another
# worker or by the ``settings set`` command within SETTINGS_TTL seconds.
SETTINGS_TTL = 5.0


def defaults() -> dict:
    """Every setting at its default: what pages show when the database cannot be read."""
    return {key: default for key, (default, _) in DEFAULTS.items()}


def _read() -> dict:
    values = {key: default for key, (default, _) in DEFAULTS.items()}
    for row in db.session.execute(db.select(Setting)).scalars():
        if row.key in DEFAULTS:
            values[row.key] = json.loads(row.value)
    return values


def _load() -> dict:
    # A copy: callers may not change the cached value.
    return dict(cache.cached("settings", _read, ttl=SETTINGS_TTL, tables=("setting",)))


def all_settings() -> dict:
    if not has_app_context():
        return {key: default for key, (default, _) in DEFAULTS.items()}
    if "portal_settings" not in g:
        g.portal_settings = _load()
    return g.portal_settings


def get(key: str):
    return all_settings()[key]


def coerce(key: str, raw) -> object:
    """Convert a raw value (from a form or the command line) to the setting's type.

    Raises ValidationFailed for an unknown key or a value of the wrong type.
    """
    if key not in DEFAULTS:
        # Not named back: the reason reaches pages and logs, and the key is whatever the caller typed.
        raise ValidationFailed((key, gettext("Unknown setting; `settings list` shows every name.")))
    default = DEFAULTS[key][0]
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValidationFailed((key, gettext("Use on or off.")))
    if isinstance(default, int):
        text = str(raw).strip()
        if not re.fullmatch(r"-?[0-9]+", text):  # int() alone takes "١٢" and "1_000"
            raise ValidationFailed((key, gettext("Use a whole number.")))
        if len(text) > 10 or not 0 <= int(text) <= MAX_SETTING:
            raise ValidationFailed((key, gettext("Use a number from 0 to %(max_setting)s.", max_setting=MAX_SETTING)))
        return int(text)
    if key == "languages":
        from .kb.languages import parse

        return parse(raw)
    if key in HTML_SETTINGS:  # shown with |safe: cleaned on write like every other piece of user HTML
        from .limits import check  # limits reads its caps from these settings: a cycle at import time

        check(str(raw), key, staff=True, label=lazy_gettext("The text"))
        return clean_html(str(raw))
    value = single_line(str(raw))  # a name or a list on one line; shown in pages, mails and the feed
    if len(value) > MAX_SETTING_CHARS:
        raise ValidationFailed((key, gettext("Use at most %(max)s characters.", max=f"{MAX_SETTING_CHARS:,}")))
    return value


def set_value(key: str, raw) -> object:
    """Store one setting (flushes, never commits). Raises ValidationFailed."""
    value = coerce(key, raw)
    row = db.session.get(Setting, key)
    if key == "languages":
        previous = json.loads(row.value) if row is not None else DEFAULTS[key][0]
        if str(value).split(",")[0] != str(previous).split(",")[0]:
            from .kb.translations import use_default_language  # kb reads settings: a cycle at import time

            use_default_language(str(value).split(",")[0])
    if row is None:
        row = Setting(key=key, value=json.dumps(value))
        db.session.add(row)
    else:
        row.value = json.dumps(value)
    db.session.flush()
    g.pop("portal_settings", None) if has_app_context() else None
    return value
