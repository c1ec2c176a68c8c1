"""Customer-facing request pages: submit a request, find it by access key, follow and update it.

Every page reached by an access key is private to whoever holds the key: it is never indexed,
never leaks the key through a Referer, and its files are served only when they belong to it.
"""
import logging
from collections import defaultdict

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as N_

from .. import challenge, settings, spam
from .. import files as filestore
from ..auth import current_customer
from ..deflection import events as deflection
from ..errors import Conflict, Merged, NotFound, ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..pagecache import cached_page
from ..public import login_gate
from ..unit_of_work import abandon
from . import access_links, reading, services
from .forms import FILES_NOT_KEPT, parse_new_request, prefill, uploads_from
from .models import Attachment, CustomField, Request

bp = Blueprint("requests", __name__, url_prefix="/requests")
log = logging.getLogger(__name__)

NOT_HUMAN = ("We could not tell that a person sent this form: it was sent within a moment of opening it, or it was "
             "left open for a long time. Your text is kept below; please check it and send it again.")
NOT_ON_FILE = N_("This access key is not on file.")


def _public_fields() -> tuple[list, list[tuple[CustomField, list]]]:
    """The public categories, and every public custom field with the categories it applies to.

    Without JavaScript all fields show, each marked with its categories (the service ignores values for
    fields the chosen category does not use); the script hides those that do not apply."""
    categories = services.public_categories()
    by_field = defaultdict(list)
    for category in categories:
        for link in category.field_links:
            by_field[link.field_id].append(category)
    query = (db.select(CustomField).where(CustomField.public.is_(True))
             .order_by(CustomField.position, CustomField.name))
    fields = [(f, by_field[f.id]) for f in db.session.execute(query).scalars() if f.always_visible or f.id in by_field]
    return categories, fields


def _render_new(values: dict, errors: dict, status: int = 200):
    categories, fields = _public_fields()
    return render_template("requests/new.html", values=values, errors=errors, categories=categories,
                           fields=fields), status


def _merge_errors(first: list, then: list) -> list:
    """Form errors first; a service reason for a field that already has one is left out."""
    named = {name for name, _ in first}
    return first + [(name, reason) for name, reason in then if name not in named]


@bp.route("/new", methods=["GET", "POST"])
def new():
    if gate := login_gate():  # the "only logged-in customers" setting
        return gate
    if request.method != "POST":  # GET, HEAD
        return _render_new(prefill(request.args, current_customer()), {})
    form = parse_new_request(request.form, request.files, allow_subject=settings.get("allow_subject"),
                             allow_uploads=settings.get("allow_uploads"))
    files_note = [("attachments", str(FILES_NOT_KEPT))] if form.uploads else []
    if not spam.form_is_human(request.form.get("form_token"), request.form.get(spam.HONEYPOT_FIELD)):
        return _render_new(form.values, errors_by_field(ValidationFailed([("submit", NOT_HUMAN)] + files_note)), 400)
    try:
        challenge.check(request.form)
        if form.errors:
            try:
                services.validate_request(form.data, form.uploads)
            except ValidationFailed as exc:
                raise ValidationFailed(_merge_errors(form.errors, exc.errors)) from None
            raise ValidationFailed(form.errors)
        req = services.create_request(form.data, form.uploads)
        deflection.submitted(request.form.get("deflection_visit"), "request", req.category_id)
    except ValidationFailed as exc:
        abandon()
        return _render_new(form.values, errors_by_field(ValidationFailed(exc.errors + files_note)), 400)
    flash(gettext("Thank you, we received your request. Your access key is %(key)s: keep it (we also "
                  "emailed it to you) to check your request and add to it.", key=req.access_key), "success")
    return redirect(url_for("requests.check", key=req.access_key))


@bp.route("/check", methods=["GET", "POST"])
def lookup():
    if request.method != "POST":  # GET, HEAD
        return render_template("requests/lookup.html", key="", errors={})
    key = request.form.get("access_key", "").strip()
    try:
        services.find_by_access_key(key)
    except Merged:
        pass  # the request page redirects to where it lives now
    except NotFound:
        error = gettext("Please type your access key.") if not key else str(NOT_ON_FILE)
        return render_template("requests/lookup.html", key=key, errors={"access_key": [error]}), 404
    return redirect(url_for("requests.check", key=key))


def _find(key: str, find=services.find_by_access_key):
    """(request, None), or (None, a redirect to the request a merged key now belongs to). Raises NotFound.
    ``find``: ``reading.read_by_access_key`` for a page that only shows the request."""
    try:
        return find(key), None
    except Merged as exc:
        target = services.survivor(exc.target_id)
        if target is None:
            raise NotFound(str(NOT_ON_FILE)) from None
        args = dict(request.view_args or {}, key=target.access_key)
        endpoint = request.endpoint
        assert endpoint is not None  # called from the request views, which were routed
        # 307 re-sends a posted update to the request it was merged into instead of losing it.
        return None, redirect(url_for(endpoint, **args), 307 if request.method == "POST" else 302)


def _render_check(req: Request | reading.RequestHead, errors: dict | None = None, update: str = "",
                  status: int = 200, link: access_links.OpenedLink | None = None):
    """The request page, opened by its access key or by an emailed ``link`` (then the page never shows the
    key, which would turn a read link into a reply one, and offers the update form only to a reply link)."""
    viewer = current_customer()
    # hidden_from_public reads is_open, closed_at and email, which a RequestHead has as a Request does.
    if services.hidden_from_public(req, viewer):  # type: ignore[arg-type]
        return render_template("requests/closed.html"), status
    if isinstance(req, Request):
        req = reading.head_of(req)
    return render_template("requests/check.html", req=req, notes=reading.public_history(req.id),
                           errors=errors or {}, update=update, link=link,
                           is_owner=viewer is not None and viewer.email == req.email), status


def _post_update(req: Request, link: access_links.OpenedLink | None = None):
    """A customer's update from the request page; back to the page it came from."""
    update = request.form.get("update", "")
    uploads = uploads_from(request.files) if settings.get("allow_uploads") else []
    try:
        services.add_customer_update(req, update, uploads)
    except (ValidationFailed, Conflict) as exc:
        abandon()
        pairs = exc.errors if isinstance(exc, ValidationFailed) else [("update", exc.message)]
        if uploads:
            pairs = pairs + [("attachments", str(FILES_NOT_KEPT))]
        return _render_check(req, errors_by_field(ValidationFailed(pairs)), update, 400, link=link)
    flash(gettext("Thank you, your update was added to the request."), "success")
    if link is not None:
        return redirect(url_for("requests.link", token=link.token))
    return redirect(url_for("requests.check", key=req.access_key))


@bp.route("/<key>", methods=["GET", "POST"])
@cached_page(services.access_key_scopes)
def check(key):
    if request.method != "POST":  # GET, HEAD: the page, read as plain rows
        shown, moved = _find(key, reading.read_by_access_key)
        return moved or _render_check(shown)
    req, moved = _find(key)
    if moved:
        return moved
    if services.hidden_from_public(req, current_customer()):
        return _render_check(req)
    return _post_update(req)


@bp.get("/<key>/files/<int:attachment_id>")
def attachment(key, attachment_id):
    req, moved = _find(key)
    if moved:
        return moved
    found = db.session.get(Attachment, attachment_id)
    if (found is None or found.note.request_id != req.id or not found.note.is_public
            or services.hidden_from_public(req, current_customer())):
        raise NotFound(gettext("File not found."))
    try:
        data = filestore.read(found.sha256)
    except (OSError, ValueError):
        log.error("attachment %s of request %s is missing from the file store", found.id, req.id)
        raise NotFound(gettext("File not found.")) from None
    return filestore.download(data, found.mime_type, found.filename, etag=found.sha256)  # the key holder's own


# --- emailed links (portal.requests.access_links) ------------------------------------------------------

READ_ONLY = N_("This link lets you read this request only. To add an update, use the link in your email that "
               "offers it, or your access key.")


def _private(reply):
    """A page opened by a link: never indexed, never stored by a shared cache, never sent to another site
    in a Referer (same-origin, not no-referrer: Flask-WTF checks the Referer of posts over HTTPS). Not kept
    by the page cache either: whether a link still works changes with time and revocation."""
    response = make_response(reply)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/link/<token>", methods=["GET", "POST"])
def link(token):
    try:
        opened = access_links.open_link(token)
    except access_links.LinkRefused as exc:
        return _private((render_template("requests/link_refused.html", why=exc.why, message=exc.message),
                         exc.status))
    req = opened.request
    if request.method != "POST" or services.hidden_from_public(req, current_customer()):  # GET, HEAD
        return _private(_render_check(req, link=opened))
    if not opened.can_reply:
        return _private(_render_check(req, {"update": [str(READ_ONLY)]}, status=403, link=opened))
    return _private(_post_update(req, link=opened))


@bp.get("/link/<token>/files/<int:attachment_id>")
def link_attachment(token, attachment_id):
    """A file of the request a link opens, served exactly as by its access key."""
    try:
        opened = access_links.open_link(token)
    except access_links.LinkRefused:
        raise NotFound(gettext("File not found.")) from None
    return attachment(opened.request.access_key, attachment_id)
