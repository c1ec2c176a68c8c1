"""Staff pages for a book's and a chapter's names and descriptions in each of the site's languages
(attached to the ``staff`` blueprint; the rules are ``translations.translate_book``/``translate_chapter``,
which HelpCenter.io's ``PATCH /v1/categories`` also calls). Needs the ``kb`` right and the book's editing."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..forms import errors_by_field
from ..i18n import language_name
from ..staff.views import bp
from ..unit_of_work import abandon
from . import editing, languages, translations
from .models import Book, Chapter


def _item(lang: str, book_id: int | None, chapter_id: int | None):
    if not languages.is_enabled(lang):
        raise NotFound(gettext("That language is not enabled on this site."))
    return editing.get(Book, book_id) if book_id is not None else editing.get(Chapter, chapter_id or 0)


def _back(item) -> str:
    if isinstance(item, Book):
        return url_for("staff.kb_book", book_id=item.id)
    return url_for("staff.kb_chapter", chapter_id=item.id)


@bp.route("/kb/books/<int:book_id>/languages/<lang>", methods=["GET", "POST"])
@bp.route("/kb/chapters/<int:chapter_id>/languages/<lang>", methods=["GET", "POST"])
@staff_required("kb")
def kb_name_translation(lang, book_id=None, chapter_id=None):
    item = _item(lang, book_id, chapter_id)
    kind = "books" if book_id is not None else "chapters"
    current = translations.names_of(item).get(lang)
    values = {"name": current.name if current else "", "description": current.description if current else ""}
    if request.method == "GET":
        return render_template("kb/staff_book_translation.html", item=item, kind=kind, lang=lang, values=values,
                               errors={}, exists=current is not None)
    values = {name: request.form.get(name, "") for name in values}
    translate = translations.translate_book if isinstance(item, Book) else translations.translate_chapter
    try:
        translate(current_staff(), item, lang, name=values["name"], description=values["description"])
    except ValidationFailed as exc:
        abandon()
        item = _item(lang, book_id, chapter_id)
        return render_template("kb/staff_book_translation.html", item=item, kind=kind, lang=lang, values=values,
                               errors=errors_by_field(exc), exists=current is not None), 400
    flash(gettext("%(language)s name of %(name)s saved.", language=language_name(lang), name=item.name), "success")
    return redirect(_back(item))


@bp.post("/kb/books/<int:book_id>/languages/<lang>/delete")
@bp.post("/kb/chapters/<int:chapter_id>/languages/<lang>/delete")
@staff_required("kb")
def kb_name_translation_delete(lang, book_id=None, chapter_id=None):
    item = _item(lang, book_id, chapter_id)
    try:
        translations.remove_name_translation(current_staff(), item, lang)
    except ValidationFailed as exc:
        abandon()
        flash(exc.errors[0][1], "error")
    else:
        flash(gettext("The %(language)s name was removed.", language=language_name(lang)), "success")
    return redirect(_back(item))


def _url(item, lang: str, delete: bool = False) -> str:
    ids = {"book_id": item.id} if isinstance(item, Book) else {"chapter_id": item.id}
    return url_for("staff.kb_name_translation_delete" if delete else "staff.kb_name_translation", lang=lang, **ids)


@bp.app_context_processor
def name_languages():
    """``name_translations(item)``: the languages a book's or chapter's name is written in;
    ``name_translation_url(item, lang, delete=False)``: its form (or its removal)."""
    return {"name_translations": lambda item: set(translations.names_of(item)) if item else set(),
            "name_translation_url": _url}
