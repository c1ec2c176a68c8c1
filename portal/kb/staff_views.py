"""Staff pages for a page's languages, publication and revisions (attached to the ``staff`` blueprint):
write a translation, publish or keep a draft, choose who may read it (and renew its share link), compare
two revisions and restore one. Needs the ``kb`` right. Drafts are previewed on the portal page itself."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as N_

from ..accounts.models import Staff
from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..i18n import language_name
from ..staff.views import bp
from ..unit_of_work import abandon
from ..urls import database_id
from . import editing, languages, revisions, translations
from .models import Page

REVISIONS_PER_PAGE = 50


# A page's state in the flash after publishing (the same words as the form's choices)
STATES = {"draft": N_("draft"), "published": N_("published"), "public": N_("public"), "private": N_("private"),
          "link_only": N_("link-only")}


@bp.route("/kb/pages/<int:page_id>/languages/<lang>", methods=["GET", "POST"])
@staff_required("kb")
def kb_translation(page_id, lang):
    page = editing.get(Page, page_id)
    if not languages.is_enabled(lang):
        raise NotFound(gettext("That language is not enabled on this site."))
    current = translations.translations_of(page).get(lang)
    values = {"title": current.title if current else "", "slug": current.slug if current else "",
              "body": current.body if current else ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in values}
        try:
            editing.translate_page(current_staff(), page, lang, title=values["title"], body=values["body"],
                                   slug=values["slug"] or None)
        except ValidationFailed as exc:
            abandon()
            page = editing.get(Page, page_id)
            return render_template("kb/staff_translation.html", page=page, lang=lang, values=values,
                                   errors=errors_by_field(exc, {"content": "body"}), exists=current is not None), 400
        flash(gettext("%(language)s text of %(page)s saved.", language=language_name(lang), page=page.name), "success")
        return redirect(url_for("staff.kb_page", page_id=page.id))
    return render_template("kb/staff_translation.html", page=page, lang=lang, values=values, errors={},
                           exists=current is not None)


@bp.post("/kb/pages/<int:page_id>/languages/<lang>/delete")
@staff_required("kb")
def kb_translation_delete(page_id, lang):
    page = editing.get(Page, page_id)
    editing.require(current_staff())
    try:
        translations.remove_translation(page, lang)
    except ValidationFailed as exc:
        abandon()
        flash(exc.errors[0][1], "error")
    else:
        flash(gettext("The %(language)s text was removed.", language=language_name(lang)), "success")
    return redirect(url_for("staff.kb_page", page_id=page_id))


@bp.post("/kb/pages/<int:page_id>/publication")
@staff_required("kb")
def kb_publication(page_id):
    page = editing.get(Page, page_id)
    try:
        if request.form.get("action") == "new_link":
            editing.require(current_staff())
            revisions.new_share_token(page)
            flash(gettext("A new share link was made; the old one no longer works."), "success")
        else:
            editing.publish(current_staff(), page, status=request.form.get("status") or None,
                            visibility=request.form.get("visibility") or None)
            flash(gettext("%(page)s: %(status)s, %(visibility)s.", page=page.name, status=STATES[page.status],
                          visibility=STATES[page.visibility]), "success")
    except ValidationFailed as exc:
        abandon()
        flash("; ".join(reason for _, reason in exc.errors), "error")
    return redirect(url_for("staff.kb_page", page_id=page_id))


@bp.get("/kb/pages/<int:page_id>/revisions")
@staff_required("kb")
def kb_revisions(page_id):
    page = editing.get(Page, page_id)
    number = max(1, database_id(request.args.get("page", "1")) or 1)
    rows = revisions.history(page, limit=REVISIONS_PER_PAGE + 1, offset=(number - 1) * REVISIONS_PER_PAGE)
    diff, old, new = None, database_id(request.args.get("old", "")), database_id(request.args.get("new", ""))
    if old and new:
        diff = revisions.compare(revisions.get_revision(page, old), revisions.get_revision(page, new))
    ids = {r.staff_id for r in rows if r.staff_id}
    names = {s.id: s.full_name for s in db.session.execute(db.select(Staff).where(Staff.id.in_(ids))).scalars()}
    return render_template("kb/staff_revisions.html", page=page, revisions=rows[:REVISIONS_PER_PAGE], names=names,
                           more=len(rows) > REVISIONS_PER_PAGE, number=number, diff=diff, old=old, new=new)


@bp.app_context_processor
def page_languages():
    """``page_translations(page)``: the languages a page is written in (the staff page form)."""
    return {"page_translations": lambda page: set(translations.translations_of(page)) if page else set()}


@bp.post("/kb/pages/<int:page_id>/revisions/<int:revision_id>/restore")
@staff_required("kb")
def kb_revision_restore(page_id, revision_id):
    page = editing.get(Page, page_id)
    try:
        revisions.restore(current_staff(), page, revisions.get_revision(page, revision_id))
    except ValidationFailed as exc:
        abandon()
        flash(exc.errors[0][1], "error")
    else:
        flash(gettext("Revision %(revision_id)s restored.", revision_id=revision_id), "success")
    return redirect(url_for("staff.kb_revisions", page_id=page_id))


from . import staff_book_translations  # noqa: E402,F401  (a book's and a chapter's names per language)
