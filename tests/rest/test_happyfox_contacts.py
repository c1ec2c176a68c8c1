"""HappyFox 1.1 contacts: users/ paged and searched, user/<id|email>/, creating and editing by email (one or in
bulk), phones, and the empty contact groups and contact custom fields; the staff request page shows them."""
import json

import pytest

from portal.accounts.models import Customer, CustomerPhone
from portal.extensions import db
from tests import factories


def create(happyfox, **body):
    return happyfox.post("users/", {"name": "Ada Lovelace", "email": "ada@example.com", **body})


def test_create_then_edit_by_email(app, happyfox):
    made = create(happyfox, phones=[{"type": "mo", "number": "+44 7700 900000"}])
    assert made.status_code == 200, made.get_json()
    data = made.get_json()
    assert data["name"] == "Ada Lovelace" and data["email"] == "ada@example.com"
    assert [(p["type"], p["number"], p["is_primary"]) for p in data["phones"]] == [("mo", "+44 7700 900000", True)]
    assert data["contact_groups"] == [] and data["custom_fields"] == [] and data["tickets_count"] == 0
    again = happyfox.post("users/", {"email": "ADA@example.com", "name": "Ada King",
                                     "phones": [{"number": "0113 496 0000", "type": "w", "is_primary": True}]})
    assert again.get_json()["id"] == data["id"]
    assert again.get_json()["name"] == "Ada King"
    assert [(p["type"], p["is_primary"]) for p in again.get_json()["phones"]] == [("mo", False), ("w", True)]
    with app.app_context():
        row = db.session.get(Customer, data["id"])
        assert (row.first_name, row.last_name) == ("Ada", "King") and row.updated_at is not None
        assert db.session.scalar(db.select(db.func.count(Customer.id))) == 1


def test_get_by_id_or_email_and_404(app, happyfox):
    contact_id = create(happyfox).get_json()["id"]
    assert happyfox.get(f"user/{contact_id}/").get_json()["email"] == "ada@example.com"
    assert happyfox.get("user/ada@example.com").get_json()["id"] == contact_id
    for missing in ("user/99999/", "user/nobody@example.com/", "user/x/"):
        response = happyfox.get(missing)
        assert response.status_code == 404 and "error" in response.get_json()


def test_post_user_edits_phone_by_id_and_email(app, happyfox):
    made = create(happyfox, phones=[{"type": "mo", "number": "07700 900000"}]).get_json()
    phone_id = made["phones"][0]["id"]
    edited = happyfox.post(f"user/{made['id']}/", {"phones": [{"id": phone_id, "type": "h", "number": "0200"}]})
    assert edited.status_code == 200, edited.get_json()
    assert [(p["id"], p["type"], p["number"]) for p in edited.get_json()["phones"]] == [(phone_id, "h", "0200")]
    moved = happyfox.post(f"user/{made['id']}/", {"email": "ada.king@example.com"})
    assert moved.get_json()["email"] == "ada.king@example.com" and moved.get_json()["name"] == "Ada Lovelace"
    create(happyfox, email="other@example.com")
    taken = happyfox.post(f"user/{made['id']}/", {"email": "other@example.com"})
    assert taken.status_code == 400 and taken.get_json()["error"][0]["field"] == "email"
    foreign = happyfox.post(f"user/{made['id']}/", {"phones": [{"id": phone_id + 100, "number": "1"}]})
    assert foreign.status_code == 400 and foreign.get_json()["error"][0]["field"] == "phones"
    assert happyfox.post("user/99999/", {"name": "x"}).status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"name": "No Email"}, "email"), ({"email": "not an email"}, "email"),
    ({"email": "a@example.com", "phones": [{"number": "call me"}]}, "phones"),
    ({"email": "a@example.com", "phones": [{"number": "1", "type": "zz"}]}, "phones"),
    ({"email": "a@example.com", "phones": "[{"}, "phones"),
    ({"email": "a@example.com", "c-cf-1": "x"}, "c-cf-1"),
    ({"email": "a@example.com", "colour": "red"}, ""),
])
def test_bad_contact_input_writes_nothing(app, happyfox, body, field):
    response = happyfox.post("users/", body)
    assert response.status_code == 400, response.get_json()
    assert field in {e["field"].split(".")[0] if e["field"] != "non_field_errors" else ""
                     for e in response.get_json()["error"]}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Customer.id))) == 0


def test_bulk_answers_each_item(app, happyfox):
    response = happyfox.post("users/", [{"email": "a@example.com", "name": "A"}, {"email": "bad"},
                                        {"email": "b@example.com", "phones": [{"number": "123"}]}, "x"])
    results = response.get_json()
    assert [r["success"] for r in results] == [True, False, True, False]
    assert results[1]["error"][0]["field"] == "email"
    with app.app_context():
        assert sorted(db.session.execute(db.select(Customer.email)).scalars()) == ["a@example.com", "b@example.com"]


def test_form_and_multipart_bodies(app, happyfox):
    form = happyfox.post("users/", data={"email": "f@example.com", "name": "Form Person",
                                         "phones": json.dumps([{"number": "555", "type": "m"}])})
    assert form.status_code == 200 and form.get_json()["phones"][0]["type"] == "m"
    multi = happyfox("POST", "users/", data={"email": "m@example.com", "name": "Multi Part"},
                     headers={"Content-Type": "multipart/form-data"})
    assert multi.status_code == 200 and multi.get_json()["name"] == "Multi Part"


def test_list_pages_searches_and_sorts(app, happyfox):
    for number in range(12):
        create(happyfox, email=f"p{number:02d}@example.com", name=f"Person {number:02d}")
    create(happyfox, email="grace@navy.example", name="Grace Hopper", phones=[{"number": "+1 555 0100"}])
    with app.app_context():
        factories.request_row(email="grace@navy.example")
        db.session.commit()
    first = happyfox.get("users/").get_json()
    assert first["page_info"] == {"count": 13, "page_count": 2, "start_index": 1, "end_index": 10, "last_index": 13}
    assert first["data"][0]["name"] == "Grace Hopper"
    second = happyfox.get("users/", page=2, size=10).get_json()
    assert len(second["data"]) == 3 and second["page_info"]["start_index"] == 11
    found = happyfox.get("users/", q='name:"grace hop" email:navy').get_json()
    assert [c["email"] for c in found["data"]] == ["grace@navy.example"]
    assert found["data"][0]["tickets_count"] == 1 and found["data"][0]["pending_tickets_count"] == 1
    assert happyfox.get("users/", q="phone:0100").get_json()["page_info"]["count"] == 1
    assert happyfox.get("users/", q="email:p0 name:Grace").get_json()["data"] == []
    newest = happyfox.get("users/", sort="-email").get_json()["data"][0]
    assert newest["email"] == "p11@example.com"
    assert happyfox.get("users/", q="created_since:2000/01/01").get_json()["page_info"]["count"] == 13
    for bad in ({"sort": "colour"}, {"q": "shoe:9"}, {"q": "created_since:yesterday"}, {"size": "51"},
                {"page": "0"}):
        response = happyfox.get("users/", **bad)
        assert response.status_code == 400 and response.get_json()["error"], bad


def test_groups_and_custom_fields_are_empty_lists(app, happyfox):
    assert happyfox.get("contact_groups/").get_json() == []
    assert happyfox.get("user_custom_fields").get_json() == []


def test_read_only_key_cannot_write_contacts(app, happyfox, make_key):
    from tests.rest.conftest import HappyFox
    reader = HappyFox(happyfox.client, make_key("reader@example.com", read_only=True))
    assert reader.post("users/", {"email": "a@example.com"}).status_code == 403
    assert reader.get("users/").status_code == 200


def test_staff_request_page_shows_the_contact(app, client, happyfox, staff_auth):
    create(happyfox, email="jane@example.com", name="Jane Contact",
           phones=[{"type": "mo", "number": "07700 900123"}])
    with app.app_context():
        req_id = factories.request_row(email="jane@example.com").id
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(CustomerPhone.id))) == 1
    staff_auth.login()
    page = client.get(f"/staff/requests/{req_id}").get_data(as_text=True)
    assert "Jane Contact" in page and "07700 900123" in page and "Mobile" in page


def test_a_ticket_names_its_new_contact_but_never_renames_one(app, happyfox):
    with app.app_context():
        category = factories.category("Billing").id
        db.session.commit()
    ticket = {"subject": "s", "text": "t", "category": category}
    happyfox.post("tickets/", {**ticket, "email": "new@example.com", "name": "New Person"})
    assert happyfox.get("user/new@example.com").get_json()["name"] == "New Person"
    happyfox.post("tickets/", {**ticket, "email": "new@example.com", "name": "Someone Else"})
    assert happyfox.get("user/new@example.com").get_json()["name"] == "New Person"
