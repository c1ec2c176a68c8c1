"""Staff pages for a book's and a chapter's names and descriptions in each of the site's languages
(attached to the ``staff`` blueprint; the rules are ``translations.translate_book``/``translate_chapter``,
which HelpCenter.io's ``PATCH /v1/categories`` also calls). Needs the ``kb`` right and the book's editing."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..forms import errors_by_field
from ..staff.views import bp
from ..unit_of_work import abandon
from . import editing, languages, translations
from .models import Book, Chapter

KINDS = {"books": Book, "chapters": Chapter}


def _item(kind: str, item_id: int, lang: str):
    if kind not in KINDS or not languages.is_enabled(lang):
        raise NotFound("That language is not enabled on this site.")
    return editing.get(KINDS[kind], item_id)


def _back(item) -> str:
    if isinstance(item, Book):
        return url_for("staff.kb_book", book_id=item.id)
    return url_for("staff.kb_chapter", chapter_id=item.id)


@bp.route("/kb/<any(books, chapters):kind>/<int:item_id>/languages/<lang>", methods=["GET", "POST"])
@staff_required("kb")
def kb_name_translation(kind, item_id, lang):
    item = _item(kind, item_id, lang)
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
        item = _item(kind, item_id, lang)
        return render_template("kb/staff_book_translation.html", item=item, kind=kind, lang=lang, values=values,
                               errors=errors_by_field(exc), exists=current is not None), 400
    flash(gettext("%(language)s name of %(name)s saved.", language=languages.NAMES[lang], name=item.name),
          "success")
    return redirect(_back(item))


@bp.post("/kb/<any(books, chapters):kind>/<int:item_id>/languages/<lang>/delete")
@staff_required("kb")
def kb_name_translation_delete(kind, item_id, lang):
    item = _item(kind, item_id, lang)
    try:
        translations.remove_name_translation(current_staff(), item, lang)
    except ValidationFailed as exc:
        abandon()
        flash(exc.errors[0][1], "error")
    else:
        flash(gettext("The %(language)s name was removed.", language=languages.NAMES[lang]), "success")
    return redirect(_back(item))


@bp.app_context_processor
def name_languages():
    """``name_translations(item)``: the languages a book's or chapter's name is written in."""
    return {"name_translations": lambda item: set(translations.names_of(item)) if item else set()}
