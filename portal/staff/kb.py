"""Knowledge-base editing: books, chapters and pages, order, hiding, tags, related pages, attachments,
highlight, helpful counts and a preview. Needs the ``kb`` right."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..kb import editing
from ..kb import feedback as page_feedback
from ..kb.models import Book, Chapter, Page, PageAttachment
from ..kb.services import table_of_contents
from ..search.query import search_kb
from ..text import clean_html
from ..unit_of_work import abandon
from ..urls import database_id
from .common import checked, confirm_page, confirmed, int_or_none, uploads
from .views import bp

KINDS = {"book": Book, "chapter": Chapter, "page": Page}


def _item(kind: str, item_id: int):
    if kind not in KINDS:
        raise NotFound()
    return editing.get(KINDS[kind], item_id)


def _book_of(item) -> Book:
    return item if isinstance(item, Book) else (item.book if isinstance(item, Chapter) else item.chapter.book)


@bp.get("/kb")
@staff_required("kb")
def kb_books():
    books = db.session.execute(db.select(Book).order_by(Book.position, Book.name)).scalars()
    q = request.args.get("q", "").strip()[:200]
    results = search_kb(q, staff=current_staff(), page=int_or_none(request.args.get("page")) or 1) if q else None
    return render_template("staff/kb/books.html", books=list(books), errors={}, q=q, results=results)


@bp.route("/kb/books/new", methods=["POST"])
@bp.route("/kb/books/<int:book_id>", methods=["GET", "POST"])
@staff_required("kb")
def kb_book(book_id=None):
    book = editing.get(Book, book_id) if book_id else None
    errors = {}
    if request.method == "POST":
        try:
            book = editing.save_book(current_staff(), name=request.form.get("name", ""),
                                     description=request.form.get("description", ""), private=checked("private"),
                                     book=book)
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
            book = editing.get(Book, book_id) if book_id else None
        else:
            flash(gettext("Book %(book)s saved.", book=book.name), "success")
            return redirect(url_for("staff.kb_book", book_id=book.id))
    if book is None:
        books = db.session.execute(db.select(Book).order_by(Book.position, Book.name)).scalars()
        return render_template("staff/kb/books.html", books=list(books), errors=errors, q="", results=None), 400
    return render_template("staff/kb/book.html", book=book, toc=table_of_contents(book, include_hidden=True),
                           errors=errors), 400 if errors else 200


@bp.route("/kb/books/<int:book_id>/chapters/new", methods=["POST"])
@bp.route("/kb/chapters/<int:chapter_id>", methods=["GET", "POST"])
@staff_required("kb")
def kb_chapter(book_id=None, chapter_id=None):
    chapter = editing.get(Chapter, chapter_id) if chapter_id else None
    book = chapter.book if chapter else editing.get(Book, book_id)
    errors = {}
    if request.method == "POST":
        try:
            chapter = editing.save_chapter(current_staff(), book, name=request.form.get("name", ""),
                                           appendix=checked("appendix"), hidden=checked("hidden"), chapter=chapter)
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
        else:
            flash(gettext("Chapter %(chapter)s saved.", chapter=chapter.name), "success")
            return redirect(url_for("staff.kb_book", book_id=book.id))
    if chapter is None:
        flash("; ".join(r for rs in errors.values() for r in rs), "error")
        return redirect(url_for("staff.kb_book", book_id=book.id))
    return render_template("staff/kb/chapter.html", chapter=chapter, errors=errors), 400 if errors else 200


def _page_input() -> editing.PageInput:
    form = request.form
    return editing.PageInput(
        name=form.get("name", ""), body=form.get("body", ""), hidden=checked("hidden"),
        highlight=checked("highlight"), tags=form.get("tags", "").split(","),
        related_ids=[number for raw in form.getlist("related") if (number := database_id(raw))],
        chapter_id=int_or_none(form.get("chapter_id")))


def _page_form(chapter, page, *, data=None, errors=None, preview=None, status=200):
    books = db.session.execute(db.select(Book).order_by(Book.position, Book.name)).scalars()
    pages = db.session.execute(db.select(Page).join(Page.chapter).order_by(Chapter.book_id, Page.name)).scalars()
    return render_template("staff/kb/page.html", chapter=chapter, page=page, data=data, errors=errors or {},
                           preview=preview, books=list(books), all_pages=list(pages),
                           feedback=page_feedback.for_editor(page.id) if page else [],
                           feedback_reasons=page_feedback.REASONS), status


@bp.route("/kb/chapters/<int:chapter_id>/pages/new", methods=["GET", "POST"])
@bp.route("/kb/pages/<int:page_id>", methods=["GET", "POST"])
@staff_required("kb")
def kb_page(chapter_id=None, page_id=None):
    page = editing.get(Page, page_id) if page_id else None
    chapter = page.chapter if page else editing.get(Chapter, chapter_id)
    if request.method == "GET":
        return _page_form(chapter, page)
    data = _page_input()
    if request.form.get("action") == "preview":
        # Shown exactly as it would be stored: cleaned by the same allow-list, nothing saved.
        return _page_form(chapter, page, data=data, preview=clean_html(data.body))
    try:
        page = editing.save_page(current_staff(), chapter, data, page)
    except ValidationFailed as exc:
        abandon()
        page = editing.get(Page, page_id) if page_id else None
        return _page_form(chapter, page, data=data, errors=errors_by_field(exc), status=400)
    flash(gettext("Page %(page)s saved.", page=page.name), "success")
    return redirect(url_for("staff.kb_page", page_id=page.id))


@bp.post("/kb/<kind>/<int:item_id>/move")
@staff_required("kb")
def kb_move(kind, item_id):
    item = _item(kind, item_id)
    editing.move(current_staff(), item, -1 if request.form.get("direction") == "up" else 1)
    book = _book_of(item)
    return redirect(url_for("staff.kb_books") if kind == "book" else url_for("staff.kb_book", book_id=book.id))


@bp.post("/kb/<kind>/<int:item_id>/delete")
@staff_required("kb")
def kb_delete(kind, item_id):
    item = _item(kind, item_id)
    book = _book_of(item)
    back = url_for("staff.kb_books") if kind == "book" else url_for("staff.kb_book", book_id=book.id)
    if not confirmed():
        # One sentence per kind: "book", "chapter" and "page" take different articles and genders in German.
        title, message, button = {
            "book": (gettext("Delete book %(name)s", name=item.name),
                     gettext("This deletes the book and every chapter and page in it. It cannot be undone."),
                     gettext("Delete book")),
            "chapter": (gettext("Delete chapter %(name)s", name=item.name),
                        gettext("This deletes the chapter and every page in it. It cannot be undone."),
                        gettext("Delete chapter")),
        }.get(kind) or (gettext("Delete page %(name)s", name=item.name),
                        gettext("This deletes the page. It cannot be undone."), gettext("Delete page"))
        return confirm_page(title, message, cancel=back, button=button)
    editing.delete(current_staff(), item)
    flash({"book": gettext("Deleted book %(name)s.", name=item.name),
           "chapter": gettext("Deleted chapter %(name)s.", name=item.name)}.get(kind)
          or gettext("Deleted page %(name)s.", name=item.name), "success")
    return redirect(back)


@bp.post("/kb/pages/<int:page_id>/reset-helpful")
@staff_required("kb")
def kb_reset_helpful(page_id):
    page = editing.get(Page, page_id)
    if not confirmed():
        return confirm_page(gettext("Reset the helpful counts of %(page)s", page=page.name),
                            gettext("Both counts go back to zero."),
                            cancel=url_for("staff.kb_page", page_id=page.id), button=gettext("Reset counts"))
    editing.reset_helpful(current_staff(), page)
    flash(gettext("Helpful counts reset."), "success")
    return redirect(url_for("staff.kb_page", page_id=page.id))


@bp.post("/kb/pages/<int:page_id>/attachments")
@staff_required("kb")
def kb_attach(page_id):
    page = editing.get(Page, page_id)
    files = uploads("attachment")
    try:
        if not files:
            raise ValidationFailed(("attachment", gettext("Choose a file to attach.")))
        for upload in files:
            editing.add_attachment(current_staff(), page, upload, downloadable=not checked("inline"))
    except ValidationFailed as exc:
        abandon()
        flash(exc.message, "error")
    else:
        flash(gettext("Attachment added."), "success")
    return redirect(url_for("staff.kb_page", page_id=page_id))


@bp.post("/kb/attachments/<int:attachment_id>/delete")
@staff_required("kb")
def kb_attachment_delete(attachment_id):
    attachment = editing.get(PageAttachment, attachment_id)
    page_id = attachment.page_id
    if not confirmed():
        return confirm_page(gettext("Delete attachment %(attachment)s", attachment=attachment.filename),
                            gettext("It is removed from the page."),
                            cancel=url_for("staff.kb_page", page_id=page_id), button=gettext("Delete attachment"))
    editing.delete(current_staff(), attachment)
    flash(gettext("Attachment deleted."), "success")
    return redirect(url_for("staff.kb_page", page_id=page_id))
