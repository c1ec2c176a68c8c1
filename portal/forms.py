"""Helpers shared by the portal and staff views for forms: service errors as field errors, and the form
tokens of pages that proxies and CDNs may share (docs/http-caching.md).

A shared page (portal.httpcache) must not carry one visitor's values, and must not start a session: a CSRF
token lives in the session, and a ``Set-Cookie`` makes the page private. So its forms are sent with the
per-visitor fields empty (the CSRF token, the signed form time, the proof-of-work challenge), and
static/js/form-token.js fills them from ``/form-token`` (``no-store``, the one place that starts the
session) when the visitor starts filling the form in.

Without JavaScript the form arrives without a token: Flask-WTF refuses it as before, and a form registered
with :func:`sends_again` is shown again with what was typed, a fresh token and a note asking to send it
again (a ``400``; nothing is written). A form posted from another site (its Origin or Referer names
another host) gets the plain ``400``.

The knowledge book's "Was this page helpful?" vote has no session at all: it is exempt from Flask-WTF and
checked here by its Origin (or Referer) and a token signed for the page, the same for every visitor, so the
cached page can carry it. The worst a forger could do is what any visitor can: one vote per browser.
"""
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request
from flask_babel import lazy_gettext as N_
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadData, URLSafeSerializer

from . import challenge, httpcache, spam
from .errors import ValidationFailed, describe, log_problem, render_problem
from .extensions import csrf

bp = Blueprint("forms", __name__)

SEND_AGAIN_MESSAGE = N_("Your message has not been sent yet: this page's security token (CSRF) had not "
                        "reached your browser, or had expired. Please check what you wrote and send it again.")
# Endpoint -> the URL argument naming the page whose signed token the form carries (in "csrf_token").
SIGNED_PAGE_FORMS = {"kb.vote": "page_id"}
_SIGNED_VIEWS = ("portal.kb.views.vote",)  # the same, for Flask-WTF's exemption (module.function)
_SEND_AGAIN: dict[str, Callable] = {}


# Service field names -> form field names, where the HTML forms use the API's or another name.
def errors_by_field(exc: ValidationFailed, aliases: dict[str, str] | None = None) -> dict[str, list[str]]:
    """{field: [reasons]} for the templates' field macros, in the order the service reported them."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for field, reason in exc.errors:
        grouped[(aliases or {}).get(field, field)].append(reason)
    return dict(grouped)


def sends_again(endpoint: str):
    """Register ``render(**view_args)``: the form page of ``endpoint`` shown again with ``request.form``,
    for a post refused for its CSRF token. It must write nothing."""
    def register(render):
        _SEND_AGAIN[endpoint] = render
        return render
    return register


def csrf_token_for_page() -> str:
    """The templates' ``csrf_token()``: empty on a shared page (the script fetches it), else the session's."""
    return "" if httpcache.shared() else generate_csrf()


def page_token(page_id: int) -> str:
    """The vote form's token for one page: the same for every visitor (so the page can be shared)."""
    return _page_signer().dumps(page_id)


def _page_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico-page-form")


def same_site() -> bool:
    """Whether a post comes from this site's pages. Browsers name the page's origin on every cross-site
    POST; a client that sends neither Origin nor Referer is not a browser tricked by another site."""
    origin = request.headers.get("Origin") or request.referrer
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.host


@bp.get("/form-token")
def token():
    """The per-visitor values of a shared page's form, fetched by static/js/form-token.js."""
    values = {"csrf_token": generate_csrf(), "form_token": spam.form_token()}
    if challenge.required():
        values["challenge"] = challenge.issue()
    response = jsonify(values)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def check_signed_page_form() -> None:
    """Before a signed page form's view: refuse it as Flask-WTF would (a CSRFError) when it comes from
    another site or its token is not this page's."""
    argument = SIGNED_PAGE_FORMS.get(request.endpoint or "")
    if argument is None or request.method != "POST" or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return  # (off where Flask-WTF's is: the tests of the views themselves)
    if not same_site():
        raise CSRFError("The form was sent from another site (CSRF).")
    try:
        page_id = _page_signer().loads(request.form.get("csrf_token", ""))
    except BadData:
        raise CSRFError("The form's page token (CSRF) is missing or wrong.") from None
    if page_id != (request.view_args or {}).get(argument):
        raise CSRFError("The form's page token (CSRF) is for another page.")


def refused_token(exc: CSRFError):
    """A post refused for its CSRF token: its form again (registered with :func:`sends_again`) when it
    came from this site, else the 400 page."""
    again = _SEND_AGAIN.get(request.endpoint or "")
    if again is not None and same_site():
        return again(**(request.view_args or {}))
    problem = describe(exc)
    log_problem(exc, problem)
    return render_problem(current_app, problem)


def init_app(app) -> None:
    """After Flask-WTF's own (its ``csrf_token`` global is replaced)."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(csrf_token=csrf_token_for_page, page_token=page_token)
    app.register_error_handler(CSRFError, refused_token)
    app.before_request(check_signed_page_form)
    for view in _SIGNED_VIEWS:
        csrf.exempt(view)
