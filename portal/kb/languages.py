"""The site's languages: the ``languages`` setting (``en,de``: the first is the default) and how a visitor's
language is chosen (URL prefix, then their choice, then ``Accept-Language``)."""
from flask import g, has_request_context, request
from flask_babel import gettext

from .. import settings
from ..errors import ValidationFailed

# Languages a site may enable, with their own names (shown on the switcher). Stemming analysers exist for
# en, de, fr, es (portal.search); other languages are indexed without stemming.
NAMES = {
    "en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano", "nl": "Nederlands",
    "pt": "Português", "sv": "Svenska", "da": "Dansk", "no": "Norsk", "fi": "Suomi", "pl": "Polski",
    "cs": "Čeština", "hu": "Magyar", "ro": "Română", "tr": "Türkçe", "ru": "Русский", "uk": "Українська",
    "el": "Ελληνικά", "ja": "日本語", "zh": "中文", "ko": "한국어", "ar": "العربية", "he": "עברית",
}
LANGUAGE_COOKIE = "portico_language"


def parse(raw) -> str:
    """The ``languages`` setting's value from what an administrator typed ("en, de" -> "en,de").
    Raises ValidationFailed naming an unknown or repeated code."""
    codes = [part.strip().lower() for part in str(raw).replace(";", ",").split(",") if part.strip()]
    if not codes:
        raise ValidationFailed(("languages", gettext("Name at least one language, such as en.")))
    unknown = [code for code in codes if code not in NAMES]
    if unknown:
        raise ValidationFailed(("languages", gettext(
            "Unknown language code %(code)s; use two-letter codes such as %(examples)s.",
            code=repr(unknown[0][:10]), examples=", ".join(list(NAMES)[:6]))))
    if len(set(codes)) != len(codes):
        raise ValidationFailed(("languages", gettext("Name each language once.")))
    return ",".join(codes)


def enabled() -> list[str]:
    """The site's languages, the default first."""
    value = settings.get("languages") or "en"
    return [code for code in value.split(",") if code in NAMES] or ["en"]


def default() -> str:
    return enabled()[0]


def is_enabled(code: str | None) -> bool:
    return bool(code) and code in enabled()


def check(code: str, field: str = "language") -> str:
    """``code`` when the site has it. Raises ValidationFailed."""
    if not is_enabled(code):
        raise ValidationFailed((field, gettext(
            "The language %(code)s is not enabled on this site (enabled: %(enabled)s).",
            code=repr(str(code)[:10]), enabled=", ".join(enabled()))))
    return code


def from_request(prefix: str | None = None) -> str:
    """The visitor's language: the URL prefix, then the switcher's cookie, then Accept-Language, then the
    default."""
    if is_enabled(prefix):
        return prefix  # type: ignore[return-value]
    if not has_request_context():
        return default()
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if is_enabled(chosen):
        return chosen
    # Asked two or three times a request (the interface's locale, the page cache's key, the page): once.
    # (keyed by the request too: an app context, and its g, can outlive one request, as in tests)
    asked = (request._get_current_object(), settings.get("languages"))  # type: ignore[attr-defined]
    memo = g.get("visitor_language")
    if memo is not None and memo[0] == asked:
        return memo[1]
    best = request.accept_languages.best_match(enabled()) or default()
    g.visitor_language = (asked, best)
    return best
