"""Customer-facing pages for the knowledge books: books, chapters, pages, files, votes, tags."""
import re
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext

from .. import files, settings
from ..auth import current_staff
from ..deflection import health
from ..errors import Conflict, ValidationFailed
from ..forms import errors_by_field
from ..forums import services as forums
from ..pagecache import cached_page
from ..public import canonical_redirect, login_gate, visible
from ..unit_of_work import abandon
from . import feedback as page_feedback
from . import languages, translations
from . import services as kb

bp = Blueprint("kb", __name__)
bp.before_request(login_gate)
bp.after_request(health.count_view_from_reply)  # page views, cached replies included

VOTER_COOKIE = "portico_voter"
_VOTER_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_TEN_YEARS = 10 * 365 * 24 * 3600
KB = ("kb",)  # what the cached pages show (portal.pagecache)


def _language(lang: str | None) -> str:
    """The visitor's language; a prefix the site does not have is a 404."""
    if lang is not None and not languages.is_enabled(lang):
        abort(404)
    return languages.from_request(lang)


def _in_language(lang=None, **_ids):
    return languages.from_request(lang)


@bp.app_template_global()
def kb_lang() -> str | None:
    """The language prefix of the page being shown (None without one): links in it keep the prefix."""
    lang = (request.view_args or {}).get("lang")
    return lang if languages.is_enabled(lang) and lang != languages.default() else None


@bp.get("/kb")
@bp.get("/<lang>/kb")
@cached_page(KB, vary=_in_language)
def books(lang=None):
    language = _language(lang)
    rows = kb.public_books()
    return render_template("kb/books.html", books=rows, names=translations.Names(language, books=rows))


@bp.get("/kb/books/<int:book_id>")
@bp.get("/kb/books/<int:book_id>-<slug>")
@bp.get("/<lang>/kb/books/<int:book_id>")
@bp.get("/<lang>/kb/books/<int:book_id>-<slug>")
@cached_page(KB, vary=_in_language)
def book(book_id, slug=None, lang=None):
    language = _language(lang)
    book = visible(kb.get_book, book_id)
    if moved := canonical_redirect("kb.book", slug, book.slug, book_id=book.id, lang=lang):
        return moved
    toc = kb.table_of_contents(book, include_hidden=current_staff() is not None)
    return render_template("kb/book.html", book=book, toc=toc, names=_toc_names(language, book, toc))


def _toc_names(language: str, book, toc) -> translations.Names:
    return translations.Names(language, books=[book], chapters=[entry.chapter for entry in toc],
                              pages=[item.page for entry in toc for item in entry.pages])


@bp.get("/kb/books/<int:book_id>/print")
@cached_page(KB, vary=_in_language)
def printable(book_id):
    book = visible(kb.get_book, book_id)
    toc = kb.table_of_contents(book, include_hidden=current_staff() is not None)
    return render_template("kb/printable.html", book=book, toc=toc)


@bp.get("/kb/chapters/<int:chapter_id>")
@bp.get("/kb/chapters/<int:chapter_id>-<slug>")
@bp.get("/<lang>/kb/chapters/<int:chapter_id>")
@bp.get("/<lang>/kb/chapters/<int:chapter_id>-<slug>")
@cached_page(KB, vary=_in_language)
def chapter(chapter_id, slug=None, lang=None):
    language = _language(lang)
    chapter = visible(kb.get_chapter, chapter_id)
    if moved := canonical_redirect("kb.chapter", slug, chapter.slug, chapter_id=chapter.id, lang=lang):
        return moved
    toc = kb.table_of_contents(chapter.book, include_hidden=current_staff() is not None)
    index = next(i for i, entry in enumerate(toc) if entry.chapter.id == chapter.id)
    return render_template("kb/chapter.html", book=chapter.book, entry=toc[index],
                           previous=toc[index - 1] if index > 0 else None,
                           next=toc[index + 1] if index + 1 < len(toc) else None,
                           names=_toc_names(language, chapter.book, toc))


@bp.get("/kb/pages/<int:page_id>")
@bp.get("/kb/pages/<int:page_id>-<slug>")
@bp.get("/<lang>/kb/pages/<int:page_id>")
@bp.get("/<lang>/kb/pages/<int:page_id>-<slug>")
@cached_page(KB, vary=lambda page_id, slug=None, lang=None: (_voted(page_id), languages.from_request(lang)))
def page(page_id, slug=None, lang=None):
    """A page in the visitor's language (URL prefix, switcher, Accept-Language), else the default language
    with a note. Staff also see drafts, private and link-only pages (a preview, marked as such)."""
    wanted = _language(lang)
    page, rows = visible(kb.read_page_in_languages, page_id)  # rows: the text shown and the hreflang links
    translation, shown = translations.localized(page, wanted, rows)
    canonical = translation.slug if translation else page.slug
    if slug not in (canonical, page.slug) and (moved := canonical_redirect("kb.page", slug, canonical,
                                                                           page_id=page.id, lang=lang)):
        return moved
    links = kb.page_links(page, neighbours=True)
    previous, following = links.previous, links.next
    related = links.related
    names = translations.Names(wanted, books=[page.chapter.book], chapters=[page.chapter],
                               pages=[p for p in (previous, following, *related) if p])
    response = current_app.make_response(render_template(
        "kb/page.html", page=page, book=page.chapter.book, tags=links.tags, downloads=links.downloads,
        related=related, previous=previous,
        next=following, voted=kb.has_voted(page.id, _voter()), translation=translation, language=shown,
        wanted=wanted, alternates=_alternates(page, rows), shared=False, names=names))
    response.vary.update(("Accept-Language", "Cookie"))
    health.mark_view(response, page.id)
    return response


def _alternates(page, rows) -> list[tuple[str, str]]:
    """(language, absolute URL) of every translation (``rows``) a customer may read, for hreflang links."""
    if not page.listed:
        return []
    default = languages.default()
    return [(code, url_for("kb.page", lang=None if code == default else code, page_id=page.id, slug=rows[code].slug,
                           _external=True)) for code in languages.enabled() if code in rows]


@bp.get("/kb/share/<token>")
def shared_page(token):
    """A link-only page, through its share token: never listed or indexed (noindex)."""
    if len(token) > 64:
        abort(404)
    page = kb.get_shared_page(token)
    wanted = languages.from_request(request.args.get("lang"))
    translation, shown = translations.localized(page, wanted)
    links = kb.page_links(page)
    response = current_app.make_response(render_template(
        "kb/page.html", page=page, book=page.chapter.book, tags=links.tags, downloads=links.downloads, related=[],
        previous=None, next=None, voted=True,
        translation=translation, language=shown, wanted=wanted, alternates=[], shared=True,
        names=translations.Names(wanted, books=[page.chapter.book], chapters=[page.chapter])))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/language")
def choose_language():
    """The language switcher: remember the visitor's choice, then back to where they were."""
    code = request.args.get("to", "")
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("kb.books")
    first, _, rest = target[1:].partition("/")
    if languages.is_enabled(first) and rest:  # a prefixed address would win over the choice: follow it
        target = "/" + rest if code == languages.default() or not languages.is_enabled(code) else f"/{code}/{rest}"
    response = redirect(target, 303)
    if languages.is_enabled(code):
        response.set_cookie(languages.LANGUAGE_COOKIE, code, max_age=_TEN_YEARS, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.get("/sitemap.xml")
def sitemap():
    """Every published public page in every language it is written in (link-only, private and draft
    pages never appear)."""
    default = languages.default()
    rows = kb.listed_translations(languages.enabled())
    urls = [url_for("kb.page", lang=None if code == default else code, page_id=page_id, slug=slug, _external=True)
            for page_id, code, slug in rows]
    body = render_template("kb/sitemap.xml", urls=urls)
    return Response(body, mimetype="application/xml")


@bp.app_context_processor
def language_switcher():
    try:
        current = languages.from_request((request.view_args or {}).get("lang"))
        return {"site_languages": [(code, languages.NAMES[code]) for code in languages.enabled()],
                "site_language": current}
    except Exception:  # the error pages render when the settings cannot be read: no switcher then
        return {"site_languages": [], "site_language": None}


@bp.post("/kb/pages/<int:page_id>/vote")
def vote(page_id):
    """"Was this helpful?" without JavaScript: one vote per page per browser, then back to the page."""
    page = visible(kb.get_page, page_id)
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        abort(400, gettext("Choose Yes or No."))
    voter = _voter() or secrets.token_urlsafe(24)
    counted = kb.vote(page, answer == "yes", voter)
    if not counted:  # a counted vote: the page itself thanks the voter
        flash(gettext("You have already rated this page. Thank you!"), "info")
    if counted and answer == "no":  # optionally, what was missing
        response = redirect(url_for("kb.feedback", page_id=page.id), 303)
    else:
        response = redirect(url_for("kb.page", page_id=page.id, slug=page.slug, _anchor="vote"), 303)
    response.set_cookie(VOTER_COOKIE, voter, max_age=_TEN_YEARS, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.route("/kb/pages/<int:page_id>/feedback", methods=["GET", "POST"])
def feedback(page_id):
    """After "Not helpful": what was missing (a reason and a short text), once per visitor per page."""
    page = visible(kb.get_page, page_id)
    voter = _voter()
    back = url_for("kb.page", page_id=page.id, slug=page.slug, _anchor="vote")
    if voter is None or page_feedback.given(page.id, voter):
        return redirect(back, 303)  # only a visitor who voted, and only once
    values, errors, status = {"reason": "", "text": ""}, {}, 200
    if request.method == "POST":
        values = {"reason": request.form.get("reason", ""), "text": request.form.get("text", "")}
        try:
            page_feedback.give(page, voter, values["reason"], values["text"])
        except ValidationFailed as exc:
            abandon()
            errors, status = errors_by_field(exc), 400
        except Conflict as exc:
            flash(exc.message, "info")
            return redirect(back, 303)
        else:
            flash(gettext("Thank you: the people who write these pages will read it."), "success")
            return redirect(back, 303)
    return render_template("kb/feedback.html", page=page, book=page.chapter.book, reasons=page_feedback.REASONS,
                           values=values, errors=errors, back=back), status


def _voter() -> str | None:
    value = request.cookies.get(VOTER_COOKIE, "")
    return value if _VOTER_RE.match(value) else None


def _voted(page_id: int) -> bool | None:
    """What a page shows this browser about its vote: None for a browser that never voted (no query)."""
    voter = _voter()
    return kb.has_voted(page_id, voter) if voter else None


@bp.get("/kb/files/<int:attachment_id>")
def attachment(attachment_id):
    """A page's file. Never sniffed or run by the browser; only plain images are shown inline."""
    item = visible(kb.get_attachment, attachment_id)
    try:
        data = files.read(item.sha256)
    except (OSError, ValueError):
        abort(404, gettext("That file is no longer available."))
    # Shared caches may keep only what anyone may read: staff also reach files of hidden pages and
    # private books here, and with "only logged-in customers" on, no file is for everyone.
    public = kb.page_is_public(item.page_id) and not settings.get("require_login")
    return files.download(data, item.mime_type, item.filename, public=public, etag=item.sha256)


@bp.get("/tags/<int:tag_id>")
@bp.get("/tags/<int:tag_id>-<slug>")
@cached_page(("kb", "forums"))
def tag(tag_id, slug=None):
    tag = visible(kb.get_tag, tag_id)
    if moved := canonical_redirect("kb.tag", slug, tag.slug, tag_id=tag.id):
        return moved
    return render_template("kb/tag.html", tag=tag, pages=kb.pages_for_tag(tag), topics=forums.topics_for_tag(tag))
