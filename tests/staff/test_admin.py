"""Administration: settings, API switches, staff accounts and roles, categories and field lists,
custom fields, statuses, and API tokens."""
import pytest

from portal import settings
from portal.accounts import admin as accounts_admin
from portal.accounts.models import ApiToken, Staff
from portal.accounts.services import staff_for_token
from portal.errors import Conflict, Forbidden, ValidationFailed
from portal.extensions import db
from portal.requests import admin as requests_admin
from portal.requests.models import Category, CustomField, FieldValue, Status

from .conftest import load


def test_settings_page_saves_typed_values(app, login):
    client = login("administrator")
    form = {key: "" for key in settings.DEFAULTS}
    form.update({"portal_name": "Acme Help", "closed_visible_days": "7", "max_upload_mb": "3",
                 "spam_link_count": "2", "blocked_extensions": "exe,bat", "allow_uploads": "1",
                 "welcome_message": "<p>Hi</p>", "form_max_age": "1200", "form_min_seconds": "2",
                 "max_request_history": "1500", "max_search_results": "50", "forum_page_size": "40",
                 "forum_feed_size": "10", "forum_close_after_days": "0", "access_link_days": "30",
                 "proof_of_work_difficulty": "100000", "max_body_kb_customer": "64", "max_body_kb_staff": "512",
                 "reply_attachments_max_kb": "5120", "inbound_poll_seconds": "60", "auto_replies_per_day": "3",
                 "deflection_keep_days": "56", "stale_page_days": "365", "languages": "en"})
    response = client.post("/staff/admin/settings", data=form)
    assert response.status_code == 302
    with app.test_request_context():
        stored = settings.all_settings()
        assert stored["portal_name"] == "Acme Help"
        assert stored["closed_visible_days"] == 7 and stored["spam_link_count"] == 2
        assert stored["allow_uploads"] is True and stored["auto_reply"] is False  # unticked box is off
        assert stored["public_api"] is False and stored["private_api"] is True  # not on this page


def test_a_bad_setting_stores_nothing(app, login):
    response = login("administrator").post("/staff/admin/settings",
                                           data={"portal_name": "Changed", "closed_visible_days": "soon"})
    assert response.status_code == 400 and b"Use a whole number." in response.data
    with app.test_request_context():
        assert settings.get("portal_name") == settings.DEFAULTS["portal_name"][0]


def test_api_switches(app, login):
    client = login("administrator")
    client.post("/staff/admin/api", data={"public_api": "1"})
    with app.test_request_context():
        assert settings.get("public_api") is True and settings.get("private_api") is False


def test_update_settings_needs_the_admin_right(ctx, people):
    with pytest.raises(Forbidden):
        accounts_admin.update_settings(db.session.get(Staff, people["agent"]), {"portal_name": "x"})


def test_create_and_edit_staff(app, login):
    client = login("administrator")
    response = client.post("/staff/admin/staff/new", data={"email": "New@Example.com", "first_name": "Nia",
                                                           "role": "moderator", "active": "1",
                                                           "password": "long password"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.execute(db.select(Staff).where(Staff.email == "new@example.com")).scalar_one()
        assert person.role == "moderator" and person.check_password("long password")
        person_id = person.id
    client.post(f"/staff/admin/staff/{person_id}", data={"email": "new@example.com", "first_name": "Nia",
                                                        "role": "agent", "password": ""})
    with app.app_context():
        person = load(Staff, person_id)
        assert (person.role, person.active) == ("agent", False)
        assert person.check_password("long password")  # an empty password field keeps it
    assert client.post("/staff/login", data={"email": "new@example.com", "password": "long password"}
                       ).status_code == 400  # inactive accounts cannot log in


def test_staff_form_errors(login, people):
    client = login("administrator")
    short = client.post("/staff/admin/staff/new", data={"email": "x@example.com", "role": "agent", "password": "short"})
    assert short.status_code == 400 and b"at least 8 characters" in short.data
    taken = client.post("/staff/admin/staff/new", data={"email": "agent@example.com", "role": "agent",
                                                        "password": "long password"})
    assert taken.status_code == 400 and b"already exists" in taken.data


def test_the_last_administrator_stays(ctx, people):
    admin = db.session.get(Staff, people["administrator"])
    data = accounts_admin.StaffInput(email=admin.email, role="agent", active=True)
    with pytest.raises(Conflict):
        accounts_admin.update_staff(admin, admin, data)
    other = accounts_admin.add_staff(admin, accounts_admin.StaffInput(email="boss@example.com",
                                                                      role="administrator", password="long password"))
    accounts_admin.update_staff(other, admin, data)
    assert admin.role == "agent"


def test_category_with_an_ordered_field_list(app, login):
    with app.app_context():
        fields = [CustomField(name=name) for name in ("Alpha", "Beta", "Gamma")]
        db.session.add_all(fields)
        db.session.commit()
        a, b, c = (f.id for f in fields)
    client = login("administrator")
    client.post("/staff/admin/categories/new", data={"name": "Hardware", "public_submit": "1",
                                                     "fields": [str(a), str(c)], f"order_{a}": "2",
                                                     f"order_{c}": "1"})
    with app.app_context():
        category = db.session.execute(db.select(Category).where(Category.name == "Hardware")).scalar_one()
        assert [f.name for f in category.fields] == ["Gamma", "Alpha"] and category.has_field_list
        category_id = category.id
    edit = client.get(f"/staff/admin/categories/{category_id}").data.decode()
    assert edit.index(">Gamma<") < edit.index(">Alpha<") < edit.index(">Beta<")  # the list first, in order
    client.post(f"/staff/admin/categories/{category_id}", data={"name": "Hardware", "has_field_list": "1"})
    with app.app_context():
        category = load(Category, category_id)
        assert category.fields == [] and category.has_field_list is True and category.public_submit is False


def test_deleting_a_category_asks_then_marks_it_deleted(app, login, category):
    client = login("administrator")
    assert b'name="confirm"' in client.post(f"/staff/admin/categories/{category}/delete").data
    with app.app_context():
        assert load(Category, category).deleted is False
    client.post(f"/staff/admin/categories/{category}/delete", data={"confirm": "1"})
    with app.app_context():
        assert load(Category, category).deleted is True
    client.post(f"/staff/admin/categories/{category}/restore")
    with app.app_context():
        assert load(Category, category).deleted is False


def test_decimal_places_that_are_not_a_number_count_as_two(app, login):
    client = login("administrator")
    client.post("/staff/admin/fields/new", data={"name": "Price", "field_type": "decimal", "decimal_places": "0"})
    with app.app_context():
        field = db.session.execute(db.select(CustomField)).scalar_one()
        assert field.decimal_places == 0
        field_id = field.id
    edited = client.post(f"/staff/admin/fields/{field_id}",
                         data={"name": "Price", "field_type": "decimal", "decimal_places": "two"})
    assert edited.status_code == 302
    with app.app_context():
        assert load(CustomField, field_id).decimal_places == 2


def test_custom_fields(app, login, make_request):
    client = login("administrator")
    bad = client.post("/staff/admin/fields/new", data={"name": "Colour", "field_type": "select", "list_items": ""})
    assert bad.status_code == 400 and b"at least one choice" in bad.data
    client.post("/staff/admin/fields/new", data={"name": "Colour", "field_type": "select", "public": "1",
                                                 "list_items": "Red\nGreen\n\n"})
    with app.app_context():
        field = db.session.execute(db.select(CustomField)).scalar_one()
        assert field.list_items == ["Red", "Green"] and field.public
        field_id = field.id
        request_id = make_request()
        db.session.add(FieldValue(request_id=request_id, field_id=field_id, value="Red"))
        db.session.commit()
    retype = client.post(f"/staff/admin/fields/{field_id}", data={"name": "Colour", "field_type": "text"})
    assert retype.status_code == 400 and b"type is fixed" in retype.data
    client.post(f"/staff/admin/fields/{field_id}/delete", data={"confirm": "1"})
    with app.app_context():
        assert db.session.get(CustomField, field_id) is None
        assert db.session.execute(db.select(FieldValue)).first() is None


def test_statuses(app, login):
    client = login("administrator")
    client.post("/staff/admin/statuses", data={"name": "Waiting on vendor", "position": "6", "active": "1"})
    client.post("/staff/admin/statuses/2", data={"name": "Junk", "position": "99"})  # Spam: boxes unticked
    with app.app_context():
        added = db.session.execute(db.select(Status).where(Status.name == "Waiting on vendor")).scalar_one()
        assert added.active and not added.closes
        spam = load(Status, 2)
        assert (spam.name, spam.active, spam.closes) == ("Junk", True, True)  # renamed, still on and closing
    duplicate = client.post("/staff/admin/statuses", data={"name": "junk"})
    assert duplicate.status_code == 400 and b"already exists" in duplicate.data


def test_services_refuse_non_administrators(ctx, people):
    agent = db.session.get(Staff, people["agent"])
    with pytest.raises(Forbidden):
        requests_admin.save_category(agent, requests_admin.CategoryInput(name="X"))
    with pytest.raises(Forbidden):
        requests_admin.save_status(agent, "X")
    with pytest.raises(ValidationFailed):
        requests_admin.save_field(db.session.get(Staff, people["administrator"]),
                                  requests_admin.FieldInput(name="X", field_type="regex", regex="("))


def test_tokens_are_shown_once_used_and_revoked(app, login, people):
    import re

    client = login("moderator")
    created = client.post("/staff/profile/tokens", data={"name": "export script"})
    secret = re.search(rb"ptk_[\w-]+", created.data).group().decode()
    profile = client.get("/staff/profile")
    assert secret.encode() not in profile.data and b"export script" in profile.data and b"never" in profile.data
    with app.test_request_context():
        assert staff_for_token(secret).id == people["moderator"]
        db.session.commit()
        token_id = db.session.execute(db.select(ApiToken.id)).scalar_one()
    assert b"never" not in client.get("/staff/profile").data  # last used is shown
    assert b'name="confirm"' in client.post(f"/staff/profile/tokens/{token_id}/revoke").data
    with app.test_request_context():
        assert staff_for_token(secret) is not None
    client.post(f"/staff/profile/tokens/{token_id}/revoke", data={"confirm": "1"})
    with app.test_request_context():
        assert staff_for_token(secret) is None
    assert b"revoked" in client.get("/staff/profile").data


def test_a_token_needs_a_name(login):
    response = login("agent").post("/staff/profile/tokens", data={"name": " "})
    assert response.status_code == 400 and b"Give the token a name" in response.data


def test_staff_cannot_revoke_another_members_token(app, login, people):
    from portal.accounts.services import create_api_token

    with app.app_context():
        token, _ = create_api_token(db.session.get(Staff, people["moderator"]), "theirs")
        db.session.commit()
        token_id = token.id
    assert login("agent").post(f"/staff/profile/tokens/{token_id}/revoke", data={"confirm": "1"}).status_code == 404
    with app.app_context():
        assert load(ApiToken, token_id).revoked_at is None


def test_the_settings_page_saves_unchanged(app, login):
    """Every value the page shows (zeros included) goes back in unchanged."""
    import re

    client = login("administrator")
    html = client.get("/staff/admin/settings").data.decode()
    form = dict(re.findall(r'<input id="(\w+)" name="\w+" type="(?:text|number)" value="([^"]*)"', html))
    form.update({key: "1" for key in re.findall(r'<input id="(\w+)" name="\w+" type="checkbox" value="1" checked', html)})
    form["welcome_message"] = settings.DEFAULTS["welcome_message"][0]
    assert form["forum_close_after_days"] == "0"
    assert client.post("/staff/admin/settings", data=form).status_code == 302
    with app.test_request_context():
        assert settings.all_settings() == {key: default for key, (default, _) in settings.DEFAULTS.items()}
