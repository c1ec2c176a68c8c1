"""Administrators' choices of who may do what: the categories an agent sees and a book's editors (forum
moderators are chosen on the forum's own page). The rules live in portal.requests.categories and
portal.kb.editing."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..accounts.models import Staff
from ..auth import current_staff, staff_required
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..kb import editing
from ..kb.models import Book
from ..requests import categories as request_categories
from ..requests.models import Category
from ..unit_of_work import abandon
from ..urls import database_id
from .views import bp


def _ids(name: str) -> list[int]:
    return [number for raw in request.form.getlist(name) if (number := database_id(raw))]


@bp.route("/admin/staff/<int:staff_id>/categories", methods=["GET", "POST"])
@staff_required("admin")
def staff_categories(staff_id):
    person = db.session.get(Staff, staff_id)
    if person is None:
        raise NotFound()
    if request.method == "POST":
        try:
            request_categories.set_allowed(current_staff(), person, _ids("categories"))
        except ValidationFailed as exc:
            abandon()
            flash(exc.message, "error")
        else:
            flash(gettext("Saved the categories %(person)s sees.", person=person.full_name), "success")
        return redirect(url_for("staff.staff_categories", staff_id=person.id))
    chosen = request_categories.allowed_ids(person) or set()
    everything = list(db.session.execute(db.select(Category).where(Category.deleted.is_(False))
                                         .order_by(Category.name)).scalars())
    return render_template("staff/admin/staff_categories.html", person=person, categories=everything,
                           chosen=chosen)


@bp.post("/kb/books/<int:book_id>/editors")
@staff_required("admin")
def kb_book_editors(book_id):
    book = editing.get(Book, book_id)
    try:
        editing.set_editors(current_staff(), book, _ids("editors"))
    except ValidationFailed as exc:
        abandon()
        flash(exc.message, "error")
    else:
        flash(gettext("Saved the editors of %(book)s.", book=book.name), "success")
    return redirect(url_for("staff.kb_book", book_id=book.id))


@bp.app_template_global()
def kb_writers() -> list[Staff]:
    """Staff who may be chosen as book editors."""
    return [person for person in db.session.execute(db.select(Staff).where(Staff.active.is_(True))
                                                    .order_by(Staff.first_name, Staff.id)).scalars()
            if person.can("kb")]
