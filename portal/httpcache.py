"""HTTP caching rules a reverse proxy or a CDN can follow: which replies are shared, for how long, and how a
client or proxy asks again cheaply (docs/http-caching.md).

Shared replies are the page cache's (portal.pagecache.cached_page): the same for every anonymous visitor.
They carry ``Cache-Control: public, max-age=0, s-maxage=HTTP_CACHE_MAX_AGE`` (a proxy keeps them that many
seconds; a browser asks again every time, and is answered ``304`` when nothing changed) and an ETag made of
what the page cache keys the reply on (the page, its arguments, the interface and content language, the
visitor's vote) and the generation numbers of the scopes it shows (portal.cache). ``If-None-Match`` is
answered before anything is rendered: the one SELECT of the numbers the page cache makes anyway.

What makes a reply differ per visitor stays out of shared replies: the form's CSRF token, its signed form
time and its proof-of-work challenge are left empty and fetched by static/js/form-token.js when the visitor
starts filling the form in (portal.forms). A reply to a request that carries one of the portal's
per-visitor cookies (a session, a remembered login, a vote) is ``private`` even when its body is the shared
one: a proxy or CDN that ignores ``Vary: Cookie`` can still never hand it to someone else.

Every other reply of the site (request pages by access key, accounts, staff, errors, redirects) is
``private``: ``no-store`` where it shows a visitor's own data, ``no-cache`` elsewhere.
"""
import hashlib
import time
from pathlib import Path

from flask import current_app, g, request
from werkzeug.datastructures import ResponseCacheControl

from .cache import ALL_REQUESTS

# The cookies that make a reply one visitor's: Flask's session, Flask-Login's remembered login, and the
# browser id that says whether this browser voted on a KB page (portal.kb.views).
VISITOR_COOKIES = ("session", "remember_token", "portico_voter")
# Replies with a visitor's own data: never written to any cache, a browser's included.
OWN_DATA_BLUEPRINTS = ("accounts", "requests", "staff", "forms")
LEFT_ALONE = ("static",)  # Flask's static files: send_file's own headers (ETag, max-age)
LEFT_ALONE_PREFIXES = ("api.", "rest_")  # the APIs set their own


def is_shared(scopes: tuple[str, ...]) -> bool:
    """Whether replies showing ``scopes`` may be shared: a request's page (reached by its secret access
    key) never is, even though the page cache keeps it."""
    return not any(scope == ALL_REQUESTS or scope.startswith("request:") for scope in scopes)


def begin(scopes: tuple[str, ...]) -> None:
    """Before an anonymous GET of a cached page renders: mark it shared, so its forms leave the per-visitor
    values empty (portal.forms.csrf_token_for_page, pagecache.volatile)."""
    g.http_shared = is_shared(scopes)


def shared() -> bool:
    return bool(g.get("http_shared"))


def check(key, stamp: tuple[int, ...]):
    """The ETag of a shared reply from the page cache's key and the generation numbers just read, kept for
    :func:`finish`; a ``304`` reply when the client or proxy already holds it, else None."""
    if not shared():
        return None
    ttl = max(1, current_app.config["PAGE_CACHE_TTL"])
    # The time bucket: what changes with time alone ("3 hours ago") is as fresh as the page cache's copies.
    parts = repr((_version(), key, stamp, int(time.time() // ttl))).encode()
    g.http_etag = tag = hashlib.blake2b(parts, digest_size=12).hexdigest()
    if request.if_none_match and request.if_none_match.contains_weak(tag):
        return current_app.response_class(status=304)
    return None


def finish(response):
    """A cached page's reply (or its 304): public with its ETag when shared and a 200, else left to
    :func:`default_headers`."""
    tag = g.pop("http_etag", None)
    if not shared() or tag is None or response.status_code not in (200, 304):
        return response
    headers = response.headers
    headers["ETag"] = f'"{tag}"'
    # Vary: a login changes the page (Flask adds Cookie when the session is read); the interface's and the
    # KB pages' language follow Accept-Language unless the address names it (portal.i18n).
    wanted = ("Cookie",) if _language_in_path() else ("Cookie", "Accept-Language")
    present = [value.strip() for value in headers.get("Vary", "").split(",") if value.strip()]
    headers["Vary"] = ", ".join(dict.fromkeys([*present, *wanted]))
    private = any(name in request.cookies for name in VISITOR_COOKIES)
    headers["Cache-Control"] = "private, no-cache" if private else _shared_control(current_app.config)
    return response


def _shared_control(config) -> str:
    """The Cache-Control of a shared reply (the same for every reply until the settings change: made once)."""
    settings = (config["HTTP_CACHE_MAX_AGE"], config["HTTP_CACHE_STALE_WHILE_REVALIDATE"])
    if _CONTROLS.get("for") != settings:
        max_age, stale = settings
        if max_age <= 0:
            value = "private, no-cache"
        else:
            control = ResponseCacheControl()
            control.public, control.max_age, control.s_maxage = True, 0, max_age
            if stale > 0:
                control.stale_while_revalidate = stale
            value = control.to_header()
        _CONTROLS.update({"for": settings, "value": value})
    return _CONTROLS["value"]


_CONTROLS: dict = {}


def _language_in_path() -> bool:
    from .kb import languages

    return languages.is_enabled((request.view_args or {}).get("lang"))


def default_headers(response):
    """After every request: a reply nobody marked is private. Never public with a cookie being set."""
    endpoint = request.endpoint or ""
    if endpoint in LEFT_ALONE or endpoint.startswith(LEFT_ALONE_PREFIXES):
        return response
    if "Set-Cookie" in response.headers and "public" in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "private, no-cache"  # a safety net: no rule above makes this
    if "Cache-Control" not in response.headers:
        from flask_login import current_user

        own = request.blueprint in OWN_DATA_BLUEPRINTS or current_user.is_authenticated
        response.headers["Cache-Control"] = "private, no-store" if own else "private, no-cache"
    return response


_VERSIONS: dict[str, str] = {}


def _version() -> str:
    """What else a reply depends on: this release's code, templates and translations (an ETag must change
    when a deploy changes the pages). The same on every worker and host running the same files."""
    app = current_app
    if app.import_name not in _VERSIONS or app.debug:
        digest = hashlib.blake2b(digest_size=8)
        root = Path(app.root_path).parent
        for folder in (Path(app.template_folder or root / "templates"), root / "translations", Path(app.root_path)):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix in (".html", ".xml", ".txt", ".mo", ".py"):
                    digest.update(str(path.relative_to(root)).encode())
                    digest.update(path.read_bytes())
        _VERSIONS[app.import_name] = digest.hexdigest()
    return _VERSIONS[app.import_name]


def init_app(app) -> None:
    app.after_request(default_headers)
