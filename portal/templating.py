"""Jinja filters and globals shared by every template."""
import hashlib
import re
import threading
from collections import OrderedDict
from datetime import datetime

from flask import g, request, url_for
from flask.globals import _cv_app
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from . import cache, files, pagecache, settings, spam, text
from .auth import current_customer, current_staff
from .dates import utcnow
from .text import slugify
from .unit_of_work import abandon
from .urls import kept_query_arguments


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
    """The current URL with another ``page`` number, keeping the other plain query arguments."""
    endpoint = request.endpoint
    assert endpoint is not None  # a paginated page was routed to its view
    args = {**kept_query_arguments(endpoint), "page": page}
    # kept_query_arguments leaves out url_for's own keywords (_external, _anchor...), which mypy cannot know.
    return url_for(endpoint, **(request.view_args or {}), **args)  # type: ignore[arg-type]


def tel_href(phone: str) -> str:
    """A ``tel:`` link target from a phone number as people write it ("+1 (555) 010-0199")."""
    return "tel:" + re.sub(r"[^\d+]", "", phone or "")


def tag_size(count: int, largest: int, steps: int = 5) -> int:
    """1..steps for a tag cloud: the tag's count relative to the most used tag (a CSS class, no inline style)."""
    if largest <= 1 or count <= 1:
        return 1
    return 1 + round((count - 1) * (steps - 1) / (largest - 1))


# Stored bodies are cleaned on write and cleaned again on display (defence in depth). Rendering is linear
# (portal.text) but not free: a 1.5 MB note stored before bodies were capped still takes a few tenths of a
# second, and a forum page of ten posts would spend most of its time re-cleaning the same text. The result
# depends on the text alone, so rendered bodies are remembered by a hash of their text, whatever their size,
# up to MEMO_BUDGET characters in all (least recently shown first out): a body is rendered once per worker
# (one of over MEMO_BUDGET / 2 characters, 5 MB or more of text, every time: still linear).
MEMO_BUDGET = 16_000_000  # characters: 16 MB of ASCII, at worst 64 MB


class RenderedBodies:
    """Rendered HTML by (kind, hash of the text), bounded by the total length of what is kept."""

    def __init__(self, budget: int = MEMO_BUDGET):
        self.budget, self.size = budget, 0
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, kind, body: str, render) -> Markup:
        key = (kind, hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=20).digest())
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        rendered = render()
        if len(rendered) <= self.budget // 2:  # one body never takes the whole memory
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = rendered
                    self.size += len(rendered)
                while self.size > self.budget:
                    _, dropped = self._entries.popitem(last=False)
                    self.size -= len(dropped)
        return rendered

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


rendered_bodies = RenderedBodies()


def cached_page_html(body: str) -> Markup:
    return rendered_bodies.get("page", body or "", lambda: text.page_html(body))


def cached_note_html(body: str, is_html: bool) -> Markup:
    is_html = bool(is_html)
    return rendered_bodies.get(("note", is_html), body or "", lambda: text.note_html(body, is_html))


def current_translations():
    """Flask-Babel's translations for this request, found once per locale and domain.

    Flask-Babel finds them anew on every ``_()`` (its context on ``g``, the domain, the locale, the cache
    key): a page calls it 30 to 100 times, a tenth of its rendering time. ``force_locale`` (a mail in
    the recipient's language) sets another locale object, so the identity check finds its translations."""
    # The app context straight from Flask's context variable: ``g`` is a proxy, and its lookup was a third
    # of this function's time on a staff request page (hundreds of calls).
    app_context = _cv_app.get(None)
    ctx = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    locale = getattr(ctx, "babel_locale", None)
    if locale is None:  # the request's first call: Babel chooses the locale
        return get_translations()
    domain = getattr(ctx, "babel_domain", None)
    memo = getattr(ctx, "portico_translations", None)
    if memo is not None and memo[0] is locale and memo[1] is domain:
        return memo[2]
    found = get_translations()
    ctx.portico_translations = (locale, domain, found)
    return found


@pass_context
def layout_fragment(context, name: str, *key, anyone: bool = False, caller) -> Markup:
    """The layout's parts that are the same for every visitor of the same kind (anonymous, customer, staff)
    on the same kind of page (the main navigation, the footer's links, the words the scripts write),
    rendered once per interface language, ``key`` and portal settings, then reused: they were a quarter of a
    cold KB page's rendering.

    ``{% call layout_fragment("nav", request.endpoint) %}...{% endcall %}``: the body renders only on a
    miss. What it shows beyond ``key`` and the kind of visitor may only be the settings (the cached copy is
    dropped with them, as the settings themselves are: portal.cache), the language and the visitor's CSRF
    token (kept as a marker, filled in for each reply). ``anyone``: the body shows nothing of who is
    logged in."""
    from .i18n import locale_code

    who = "-" if anyone else ("staff" if context.get("current_staff") is not None
                              else "customer" if context.get("current_customer") is not None else "anonymous")
    label = "layout:" + "|".join(map(str, (name, who, locale_code(), *key)))
    kept = cache.cached(label, lambda: _with_token_marker(caller), ttl=settings.SETTINGS_TTL, tables=("setting",))
    if LAYOUT_TOKEN in kept:
        from flask_wtf.csrf import generate_csrf

        return Markup(kept.replace(LAYOUT_TOKEN, generate_csrf()))
    return kept


LAYOUT_TOKEN = "layout-csrf-5e0b37"


def _with_token_marker(caller) -> Markup:
    """The fragment with a marker where this visitor's CSRF token goes (Flask-WTF reads ``g.csrf_token``)."""
    missing = object()
    token = g.get("csrf_token", missing)
    g.csrf_token = LAYOUT_TOKEN
    try:
        return Markup(caller())
    finally:
        if token is missing:
            g.pop("csrf_token", None)
        else:
            g.csrf_token = token


@pass_context
def template_gettext(context, string: str, **variables) -> str:
    """Templates' ``_()`` and ``{% trans %}``: Jinja's new-style gettext (the translation escaped as markup
    when autoescaping, then always formatted with ``variables``), in one call instead of three.

    Jinja's own ``_`` resolves ``gettext`` in the context, which calls the translation function through
    ``Context.call`` again: a staff request page makes about 80 of these calls, and the layers were a
    quarter of its rendering time."""
    translated = current_translations().ugettext(string)
    if not context.eval_ctx.autoescape:
        return translated % variables
    if not variables and "%" not in translated:  # nothing to format: the same string, without Markup's %
        return Markup(translated)
    return Markup(translated) % variables


def install_gettext(app) -> None:
    """Templates' ``_``/``ngettext``/``pgettext`` through :func:`current_translations` (called after
    Flask-Babel installed its own, which look the translations up on every call)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext)


def init_app(app) -> None:
    app.jinja_env.filters.update(long_date=long_date, short_date=short_date, time_since=time_since, iso=iso,
                                 note_html=cached_note_html, page_html=cached_page_html,
                                 tel_href=tel_href, slugify=slugify, xml_text=text.xml_text)
    app.jinja_env.globals.update(page_url=page_url,
                                 form_token=pagecache.volatile("pagecache-formtoken-4d2a91", spam.form_token),
                                 honeypot_field=spam.HONEYPOT_FIELD, tag_size=tag_size, layout_fragment=layout_fragment,
                                 shown_inline=files.is_inline)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def portal_context():
        try:
            return {"portal": settings.all_settings(), "current_staff": current_staff(),
                    "current_customer": current_customer()}
        except SQLAlchemyError:
            # The error pages (503: database unreachable) must still render: defaults, nobody logged in.
            abandon()
            return {"portal": settings.defaults(), "current_staff": None, "current_customer": None}
