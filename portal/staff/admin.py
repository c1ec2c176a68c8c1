"""Administration: portal settings, API switches, staff accounts and roles, categories, custom fields,
statuses. Everything here needs the ``admin`` right."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import login_user

from .. import settings
from ..accounts import admin as accounts_admin
from ..accounts.models import ROLES, Staff
from ..auth import current_staff, staff_required
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..requests import admin as requests_admin
from ..requests import assignment
from ..requests.models import FIELD_TYPES, Category, CustomField, Status
from ..unit_of_work import abandon
from ..urls import database_id
from .common import checked, confirm_page, confirmed, int_or_none
from .views import bp

API_KEYS = ("public_api", "private_api")
# How the settings page groups portal.settings.DEFAULTS; keys not named here are shown under "Other".
# (lazy: the headings are translated when the page shows them, in the staff member's language)
SECTIONS = {
    lazy_gettext("Portal"): ("portal_name", "welcome_message", "portal_phone", "require_login"),
    lazy_gettext("Requests"): ("allow_subject", "auto_reply", "closed_visible_days", "max_request_history"),
    lazy_gettext("Mail"): ("reply_attachments_max_kb", "inbound_poll_seconds", "inbound_loop_protection",
                           "auto_replies_per_day"),
    lazy_gettext("Uploads"): ("allow_uploads", "blocked_extensions", "max_upload_mb"),
    lazy_gettext("Spam rules"): ("spam_link_count", "form_max_age", "form_min_seconds"),
    lazy_gettext("Search and forums"): ("max_search_results", "forum_page_size", "forum_feeds", "forum_feed_size",
                                        "forum_close_after_days"),
}


def _problems(exc) -> dict:
    return errors_by_field(exc) if isinstance(exc, ValidationFailed) else {"form": [exc.message]}


@bp.get("/admin")
@staff_required("admin")
def admin_home():
    return render_template("staff/admin/home.html")


def _settings_form(keys, template, endpoint):
    errors, values = {}, dict(settings.all_settings())
    if request.method == "POST":
        raw = {key: (checked(key) if isinstance(settings.DEFAULTS[key][0], bool) else request.form.get(key, ""))
               for key in keys}
        try:
            accounts_admin.update_settings(current_staff(), raw)
        except ValidationFailed as exc:
            abandon()
            errors, values = errors_by_field(exc), {**values, **raw}
        else:
            flash(gettext("Settings saved."), "success")
            return redirect(url_for(endpoint))
    named = {key for group in SECTIONS.values() for key in group}
    groups = [(title, [key for key in group if key in keys]) for title, group in SECTIONS.items()]
    groups.append((gettext("Other"), [key for key in keys if key not in named]))
    # (the descriptions are marked with N_ in portal.settings: translated here, for the page)
    sections = [(title, [(key, settings.DEFAULTS[key][0], gettext(settings.DEFAULTS[key][1])) for key in group])
                for title, group in groups if group]
    return render_template(template, sections=sections, values=values, errors=errors), 400 if errors else 200


@bp.route("/admin/settings", methods=["GET", "POST"])
@staff_required("admin")
def admin_settings():
    keys = [key for key in settings.DEFAULTS if key not in API_KEYS]
    return _settings_form(keys, "staff/admin/settings.html", "staff.admin_settings")


@bp.route("/admin/api", methods=["GET", "POST"])
@staff_required("admin")
def admin_api():
    return _settings_form(API_KEYS, "staff/admin/api.html", "staff.admin_api")


# --- staff accounts ----------------------------------------------------------------------------

@bp.get("/admin/staff")
@staff_required("admin")
def staff_list():
    people = db.session.execute(db.select(Staff).order_by(Staff.active.desc(), Staff.first_name)).scalars()
    return render_template("staff/admin/staff_list.html", people=list(people))


def _staff_input() -> accounts_admin.StaffInput:
    form = request.form
    return accounts_admin.StaffInput(email=form.get("email", ""), first_name=form.get("first_name", ""),
                                     last_name=form.get("last_name", ""), role=form.get("role", "agent"),
                                     active=checked("active"), password=form.get("password", ""))


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@bp.route("/admin/staff/<int:staff_id>", methods=["GET", "POST"])
@staff_required("admin")
def staff_edit(staff_id=None):
    person = requests_admin.get(Staff, staff_id) if staff_id else None
    errors, data = {}, None
    if request.method == "POST":
        data = _staff_input()
        try:
            if person is None:
                person = accounts_admin.add_staff(current_staff(), data)
            else:
                accounts_admin.update_staff(current_staff(), person, data)
        except (ValidationFailed, Conflict) as exc:
            abandon()
            errors = _problems(exc)
            person = requests_admin.get(Staff, staff_id) if staff_id else None
        else:
            if person.id == current_staff().id:
                login_user(person)  # their own new password ended their other sessions, not this one
            flash(gettext("Saved %(person)s.", person=person.full_name), "success")
            return redirect(url_for("staff.staff_list"))
    return render_template("staff/admin/staff_edit.html", person=person, data=data, roles=ROLES,
                           errors=errors), 400 if errors else 200


# --- categories --------------------------------------------------------------------------------

def _all_fields():
    return list(db.session.execute(db.select(CustomField).order_by(CustomField.position, CustomField.name)).scalars())


@bp.get("/admin/categories")
@staff_required("admin")
def categories():
    rows = db.session.execute(db.select(Category).order_by(Category.deleted, Category.group, Category.name))
    return render_template("staff/admin/categories.html", categories=list(rows.scalars()))


def _category_input() -> requests_admin.CategoryInput:
    chosen = [number for raw in request.form.getlist("fields") if (number := database_id(raw))]
    # Ticked fields without a number go last, in the order the form listed them.
    order = {fid: (int_or_none(request.form.get(f"order_{fid}")) or 10**6, i) for i, fid in enumerate(chosen)}
    chosen = sorted(chosen, key=order.__getitem__)
    return requests_admin.CategoryInput(
        name=request.form.get("name", ""), group=request.form.get("group", ""),
        public_submit=checked("public_submit"), default_staff_id=int_or_none(request.form.get("default_staff_id")),
        has_field_list=checked("has_field_list"), field_ids=chosen)


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@staff_required("admin")
def category_edit(category_id=None):
    category = requests_admin.get(Category, category_id) if category_id else None
    errors, data = {}, None
    if request.method == "POST":
        data = _category_input()
        try:
            category = requests_admin.save_category(current_staff(), data, category)
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
        else:
            flash(gettext("Category %(category)s saved.", category=category.name), "success")
            return redirect(url_for("staff.categories"))
    people = assignment.assignable_staff()
    chosen = data.field_ids if data else [link.field_id for link in category.field_links] if category else []
    # The category's fields first, in its order, then the others.
    fields = sorted(_all_fields(), key=lambda f: chosen.index(f.id) if f.id in chosen else len(chosen))
    return render_template("staff/admin/category_edit.html", category=category, data=data, errors=errors,
                           fields=fields, people=people), 400 if errors else 200


@bp.post("/admin/categories/<int:category_id>/delete")
@staff_required("admin")
def category_delete(category_id):
    category = requests_admin.get(Category, category_id)
    if not confirmed():
        return confirm_page(gettext("Delete category %(category)s", category=category.name),
                            gettext("Requests keep it; the request forms stop offering it. You can restore it later."),
                            cancel=url_for("staff.categories"), button=gettext("Delete category"))
    requests_admin.delete_category(current_staff(), category)
    flash(gettext("Category %(category)s deleted.", category=category.name), "success")
    return redirect(url_for("staff.categories"))


@bp.post("/admin/categories/<int:category_id>/restore")
@staff_required("admin")
def category_restore(category_id):
    category = requests_admin.get(Category, category_id)
    requests_admin.restore_category(current_staff(), category)
    flash(gettext("Category %(category)s restored.", category=category.name), "success")
    return redirect(url_for("staff.categories"))


# --- custom fields -----------------------------------------------------------------------------

@bp.get("/admin/fields")
@staff_required("admin")
def fields():
    return render_template("staff/admin/fields.html", fields=_all_fields())


def _field_input() -> requests_admin.FieldInput:
    form = request.form
    # Blank or not a number: 2 places, as a new field gets. None would reach the NOT NULL column (a 500 on edit).
    places = int_or_none(form.get("decimal_places"))
    return requests_admin.FieldInput(
        name=form.get("name", ""), field_type=form.get("field_type", "text"), required=checked("required"),
        public=checked("public"), always_visible=checked("always_visible"),
        position=int_or_none(form.get("position")) or 0,
        decimal_places=2 if places is None else places,
        text_size=int_or_none(form.get("text_size")), regex=form.get("regex", ""),
        large_text_rows=int_or_none(form.get("large_text_rows")),
        list_items=form.get("list_items", "").splitlines())


@bp.route("/admin/fields/new", methods=["GET", "POST"])
@bp.route("/admin/fields/<int:field_id>", methods=["GET", "POST"])
@staff_required("admin")
def field_edit(field_id=None):
    custom_field = requests_admin.get(CustomField, field_id) if field_id else None
    errors, data = {}, None
    if request.method == "POST":
        data = _field_input()
        try:
            custom_field = requests_admin.save_field(current_staff(), data, custom_field)
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
            custom_field = requests_admin.get(CustomField, field_id) if field_id else None
        else:
            flash(gettext("Field %(custom_field)s saved.", custom_field=custom_field.name), "success")
            return redirect(url_for("staff.fields"))
    return render_template("staff/admin/field_edit.html", field=custom_field, data=data, errors=errors,
                           types=FIELD_TYPES), 400 if errors else 200


@bp.post("/admin/fields/<int:field_id>/delete")
@staff_required("admin")
def field_delete(field_id):
    custom_field = requests_admin.get(CustomField, field_id)
    if not confirmed():
        return confirm_page(gettext("Delete field %(custom_field)s", custom_field=custom_field.name),
                            gettext("Every request's value for it is deleted too. This cannot be undone."),
                            cancel=url_for("staff.fields"), button=gettext("Delete field"))
    requests_admin.delete_field(current_staff(), custom_field)
    flash(gettext("Field %(custom_field)s deleted.", custom_field=custom_field.name), "success")
    return redirect(url_for("staff.fields"))


# --- statuses ----------------------------------------------------------------------------------

@bp.route("/admin/statuses", methods=["GET", "POST"])
@bp.route("/admin/statuses/<int:status_id>", methods=["POST"])
@staff_required("admin")
def statuses(status_id=None):
    errors = {}
    if request.method == "POST":
        status = requests_admin.get(Status, status_id) if status_id else None
        try:
            status = requests_admin.save_status(
                current_staff(), request.form.get("name", ""), active=checked("active"),
                position=int_or_none(request.form.get("position")) or 0, closes=checked("closes"), status=status)
        except (ValidationFailed, Conflict) as exc:
            abandon()
            errors = _problems(exc)
        else:
            flash(gettext("Status %(status)s saved.", status=status.name), "success")
            return redirect(url_for("staff.statuses"))
    rows = db.session.execute(db.select(Status).order_by(Status.position, Status.id)).scalars()
    return render_template("staff/admin/statuses.html", statuses=list(rows), errors=errors,
                           protected=requests_admin.PROTECTED_STATUSES), 400 if errors else 200
