"""Customer-facing pages for the knowledge books: books, chapters, pages, files, votes, tags."""
import re
import secrets

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for

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
from . import services as kb

bp = Blueprint("kb", __name__)
bp.before_request(login_gate)
bp.after_request(health.count_view_from_reply)  # page views, cached replies included

VOTER_COOKIE = "portico_voter"
_VOTER_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_TEN_YEARS = 10 * 365 * 24 * 3600
KB = ("kb",)  # what the cached pages show (portal.pagecache)


@bp.get("/kb")
@cached_page(KB)
def books():
    return render_template("kb/books.html", books=kb.public_books())


@bp.get("/kb/books/<int:book_id>")
@bp.get("/kb/books/<int:book_id>-<slug>")
@cached_page(KB)
def book(book_id, slug=None):
    book = visible(kb.get_book, book_id)
    if moved := canonical_redirect("kb.book", slug, book.slug, book_id=book.id):
        return moved
    toc = kb.table_of_contents(book, include_hidden=current_staff() is not None)
    return render_template("kb/book.html", book=book, toc=toc)


@bp.get("/kb/books/<int:book_id>/print")
@cached_page(KB)
def printable(book_id):
    book = visible(kb.get_book, book_id)
    toc = kb.table_of_contents(book, include_hidden=current_staff() is not None)
    return render_template("kb/printable.html", book=book, toc=toc)


@bp.get("/kb/chapters/<int:chapter_id>")
@bp.get("/kb/chapters/<int:chapter_id>-<slug>")
@cached_page(KB)
def chapter(chapter_id, slug=None):
    chapter = visible(kb.get_chapter, chapter_id)
    if moved := canonical_redirect("kb.chapter", slug, chapter.slug, chapter_id=chapter.id):
        return moved
    toc = kb.table_of_contents(chapter.book, include_hidden=current_staff() is not None)
    index = next(i for i, entry in enumerate(toc) if entry.chapter.id == chapter.id)
    return render_template("kb/chapter.html", book=chapter.book, entry=toc[index],
                           previous=toc[index - 1] if index > 0 else None,
                           next=toc[index + 1] if index + 1 < len(toc) else None)


@bp.get("/kb/pages/<int:page_id>")
@bp.get("/kb/pages/<int:page_id>-<slug>")
@cached_page(KB, vary=lambda page_id, slug=None: _voted(page_id))
def page(page_id, slug=None):
    page = visible(kb.get_page, page_id)
    if moved := canonical_redirect("kb.page", slug, page.slug, page_id=page.id):
        return moved
    previous, following = kb.neighbours(page)
    response = make_response(render_template("kb/page.html", page=page, book=page.chapter.book,
                                             related=kb.visible_related(page), previous=previous, next=following,
                                             voted=kb.has_voted(page.id, _voter())))
    health.mark_view(response, page.id)
    return response


@bp.post("/kb/pages/<int:page_id>/vote")
def vote(page_id):
    """"Was this helpful?" without JavaScript: one vote per page per browser, then back to the page."""
    page = visible(kb.get_page, page_id)
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        abort(400, "Choose Yes or No.")
    voter = _voter() or secrets.token_urlsafe(24)
    counted = kb.vote(page, answer == "yes", voter)
    if not counted:  # a counted vote: the page itself thanks the voter
        flash("You have already rated this page. Thank you!", "info")
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
            flash("Thank you: the people who write these pages will read it.", "success")
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
        abort(404, "That file is no longer available.")
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
