"""The interface's language (Flask-Babel): the same choice as the KB's content language (portal.kb.languages:
the URL prefix, then the switcher's cookie, then Accept-Language), so a German visitor reads German pages in a
German interface. Staff pages follow the staff member's browser; the APIs answer in English (their messages are
part of the contract clients parse).

Catalogues live in translations/<locale>/LC_MESSAGES/messages.po; `make translations` extracts, updates and
compiles them (`make run` and `make test` compile them: the .mo files are build output, not committed)."""
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from flask import g, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, force_locale, format_date, format_datetime, format_timedelta, get_locale, gettext
from sqlalchemy.exc import SQLAlchemyError

from . import templating
from .dates import utcnow
from .unit_of_work import abandon

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
# Locales with a catalogue: the interface can be shown in these (a site language without one shows English).
INTERFACE_LOCALES = ("en", "de", "fr", "es")
# Paths whose replies are read by programs: always English.
API_PREFIXES = ("/api/", "/v1/", "/api/v2", "/api/1.1")

babel = Babel()


def select_locale() -> str:
    """The interface language of this request."""
    if not has_request_context():
        return "en"
    if request.path.startswith(API_PREFIXES):
        return "en"
    if request.blueprint == "staff" or request.path.startswith("/staff"):
        return _staff_choice() or request.accept_languages.best_match(INTERFACE_LOCALES) or "en"
    from .kb import languages  # the settings module imports templating helpers; keep the import late

    try:
        chosen = languages.from_request((request.view_args or {}).get("lang"))
    except SQLAlchemyError:
        # The error pages (503: database unreachable) still render, in the browser's language.
        abandon()
        return request.accept_languages.best_match(INTERFACE_LOCALES) or "en"
    return chosen if chosen in INTERFACE_LOCALES else "en"


def _staff_choice() -> str | None:
    """The language the logged-in staff member chose on their profile page, if any."""
    from .auth import current_staff  # (late: auth imports the models)

    try:
        chosen = getattr(current_staff(), "language", None)
    except SQLAlchemyError:  # (the 503 page still renders, in the browser's language)
        abandon()
        return None
    return chosen if chosen in INTERFACE_LOCALES else None


def locale_code() -> str:
    """The interface locale as a string ("de"), for <html lang>, page cache keys and each date a page shows.

    A queue page asks about fifty times (two dates a row): the string is kept beside the locale it was made
    from, on Flask-Babel's own state, and found there through Flask's context variable rather than the ``g``
    proxy. ``force_locale`` (a mail in its recipient's language) sets another locale object, which the
    identity check sees."""
    app_context = _cv_app.get(None)
    state = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:  # the request's first call, or no app context: Babel chooses (and keeps) the locale
        locale = get_locale()
        if locale is None:
            return "en"
        state = getattr(g, "_flask_babel", None)
    kept = getattr(state, "portico_locale_code", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    code = str(locale)
    if state is not None:
        state.portico_locale_code = (locale, code)
    return code


def mail_locale() -> str:
    """The language of a mail queued now: the customer's, when a customer page caused it (a request sent, a
    password asked for); English when staff or an API did (their language is not the customer's)."""
    if not has_request_context() or request.blueprint == "staff" or request.path.startswith(("/staff",
                                                                                               *API_PREFIXES)):
        return "en"
    return locale_code()


def site_locale() -> str:
    """The site's default language (the first of the `languages` setting) when the interface has a catalogue
    for it, else English."""
    from . import settings  # (settings imports templating helpers; keep the import late)

    first = str(settings.get("languages") or "en").split(",")[0].strip()
    return first if first in INTERFACE_LOCALES else "en"


def staff_mail_locale(person) -> str:
    """The language of a mail to a staff member: their own choice (profile page), else the site's default.
    Never the language of the page that caused it: a German customer's request notifies an English agent
    in English."""
    chosen = getattr(person, "language", None)
    return chosen if chosen in INTERFACE_LOCALES else site_locale()


def mail_gettext(message: str, **variables) -> str:
    """``message`` translated into the language the mail queued now is written in (a subject line)."""
    with force_locale(mail_locale()):
        return gettext(message, **variables)


def language_name(code: str) -> str:
    """A language's name in the interface's language ("Englisch" in a German sentence)."""
    try:
        return Locale.parse(code).get_display_name(locale_code()) or code
    except (ValueError, UnknownLocaleError):
        return code


def number(value) -> str:
    """A number as the interface's locale writes it (1,234.5 / 1.234,5)."""
    return format_decimal(value, locale=locale_code())


def long_date(value) -> str:
    """Date and time in the interface's locale (times are UTC). English keeps HelpSpot's own format."""
    if value is None or locale_code() == "en":
        return templating.long_date(value)
    return format_datetime(value, "medium")


def short_date(value) -> str:
    if value is None or locale_code() == "en":
        return templating.short_date(value)
    return format_date(value, "medium")


def day_month(value) -> str:
    """A chart's day label: "02 Nov" / "2. Nov."."""
    if locale_code() == "en":
        return value.strftime("%d %b")
    return format_date(value, "d. MMM")


def time_since(value) -> str:
    """"3 days ago" / "vor 3 Tagen"."""
    if value is None or locale_code() == "en":
        return templating.time_since(value)
    return format_timedelta(value - utcnow(), add_direction=True)


def _choose_afresh() -> None:
    """Flask-Babel keeps the chosen locale on ``g``: a request that shares an app context pushed earlier (a
    test's, a CLI command's) would inherit the locale chosen there, before any request existed ("en").
    Each request chooses its own."""
    state = getattr(g, "_flask_babel", None)
    if state is not None:
        state.babel_locale = None
        state.babel_translations = None


def compile_catalogues() -> list[Path]:
    """Compile each translations/<locale>/LC_MESSAGES/messages.po whose .mo is missing or older (what
    `make run` and `make test` do with pybabel; the test suite calls this at start). Returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as target:
                write_mo(target, catalogue)
            written.append(mo)
    return written


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    templating.install_gettext(app)  # the same translations, looked up once per request (portal.templating)
    app.before_request(_choose_afresh)
    app.jinja_env.globals.update(interface_locale=locale_code, language_name=language_name)
    app.jinja_env.filters.update(format_number=number, long_date=long_date, short_date=short_date,
                                 time_since=time_since, day_month=day_month)
