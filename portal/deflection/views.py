"""Suggestions beside the request and new-topic forms, and the two things a customer does with one:
open it (counted, then redirected to it) and say "This answered my question" (counted; the visit ends
without a request)."""
from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from ..forums import services as forums
from ..kb import services as kb
from ..kb import translations
from ..public import login_gate, visible
from ..urls import whole_number
from . import events, suggestions

bp = Blueprint("deflection", __name__, url_prefix="/help")
bp.before_request(login_gate)


def _category() -> int | None:
    return whole_number(request.values.get("category"))


def _target(kind: str, target_id: int, lang: str | None = None):
    """The page or topic a customer may see (NotFound otherwise), and its URL (a page's in ``lang``)."""
    if kind == "page":
        page = visible(kb.get_page, target_id)
        shown, _ = translations.localized(page, lang) if lang else (None, None)
        return page.name, suggestions.target_url("page", page.id, page.name, lang, shown.slug if shown else "")
    topic = visible(forums.get_topic, target_id)
    return topic.title, suggestions.target_url("topic", topic.id, topic.title)


@bp.get("/suggest")
def suggest():
    """JSON: {"visit": token, "results": [{kind, title, where, url, open_url}]} (at most five), in the
    visitor's language (``lang``, else the cookie or Accept-Language)."""
    form = events.form_name(request.args.get("form"))
    lang = suggestions.url_language(request.args.get("lang"))
    visit, found = suggestions.for_visit(request.args.get("q", ""), request.args.get("visit"), form, _category(),
                                         lang)
    results = [{"kind": s.kind, "id": s.id, "title": s.title, "where": s.where, "url": s.url,
                "open_url": url_for("deflection.open_suggestion", kind=s.kind, target_id=s.id, visit=visit, form=form,
                                    lang=lang),
                "read_url": url_for("deflection.read_page", page_id=s.id, visit=visit, form=form, lang=lang)
                if s.kind == "page" else None}
               for s in found]
    response = jsonify(visit=visit, results=results)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/open/<any(page, topic):kind>/<int:target_id>")
def open_suggestion(kind, target_id):
    """A suggestion followed: counted for the visit, then on to the page or topic itself."""
    _, url = _target(kind, target_id, suggestions.url_language(request.args.get("lang")))
    events.record(request.args.get("visit"), "opened", events.form_name(request.args.get("form")), _category(),
                  (kind, target_id))
    response = redirect(url, 303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the visit token stays here
    return response


@bp.get("/read/page/<int:page_id>")
def read_page(page_id):
    """A suggested page's body for the panel beside the form (static/js/suggestions.js: read in place, what
    was typed stays): counted as opened, like the link."""
    page = visible(kb.get_page, page_id)
    lang = suggestions.url_language(request.args.get("lang"))
    shown, _ = translations.localized(page, lang) if lang else (None, None)
    events.record(request.args.get("visit"), "opened", events.form_name(request.args.get("form")), _category(),
                  ("page", page.id))
    response = make_response(render_template(
        "deflection/_read.html", title=shown.title if shown else page.name, body=shown.body if shown else page.body,
        url=suggestions.target_url("page", page.id, page.name, lang, shown.slug if shown else "")))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/answered")
def answered():
    """"This answered my question": counted once per visit, and the visit ends on a thank-you page."""
    kind = request.form.get("kind")
    target_id = whole_number(request.form.get("id"))
    title = url = None
    if kind in events.TARGETS and target_id:
        title, url = _target(kind, target_id)
        events.record(request.form.get("visit"), "answered", events.form_name(request.form.get("form")),
                      _category(), (kind, target_id))
    return render_template("deflection/answered.html", title=title, url=url)
