"""DeskPRO v2 tickets (Portico's requests) and people (customers), through the same services as the pages."""
import pytest

from portal.extensions import db
from portal.requests.models import Category, CustomField, Note, Request


def new_ticket(deskpro, **extra):
    body = {"subject": "Printer on fire", "person": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "message": {"message": "It is <b>really</b> on fire", "format": "html"}, **extra}
    return deskpro("POST", "tickets", body=body)


def test_create_answers_201_with_location_and_the_resource(app, deskpro):
    response = new_ticket(deskpro)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert response.headers["Location"].endswith(f"/api/v2/tickets/{data['id']}")
    assert data["subject"] == "Printer on fire" and data["status"] == "awaiting_agent"
    assert data["person_email"] == "ada@example.com" and isinstance(data["person"], int)
    assert data["fields"] == {} and data["labels"] == [] and data["ref"]
    with app.app_context():
        req = db.session.get(Request, data["id"])
        assert (req.first_name, req.last_name) == ("Ada", "Lovelace")
        note = db.session.execute(db.select(Note).where(Note.request_id == req.id)).scalar_one()
        assert note.is_public and note.is_html and "<b>really</b>" in note.body and note.staff_id


def test_put_on_the_collection_creates_too_and_a_note_is_private(app, deskpro):
    response = deskpro("PUT", "tickets", body={"subject": "Quiet", "person": "bob@example.com",
                                               "message": {"message": "internal", "is_note": 1, "format": "text"}})
    assert response.status_code == 201
    with app.app_context():
        note = db.session.execute(db.select(Note)).scalar_one()
        assert not note.is_public and not note.is_html


def test_get_list_and_pagination(deskpro):
    ids = [new_ticket(deskpro, subject=f"T{i}").get_json()["data"]["id"] for i in range(3)]
    one = deskpro.get(f"tickets/{ids[0]}").get_json()
    assert one["data"]["id"] == ids[0] and set(one) == {"data", "meta", "linked"}
    page = deskpro.get("tickets", count="2", page="1").get_json()
    assert [t["id"] for t in page["data"]] == sorted(ids, reverse=True)[:2]
    assert page["meta"]["total"] == 3 and page["meta"]["total_pages"] == 2 and page["meta"]["per_page"] == 2
    assert page["meta"]["pagination"]["current_page"] == 1
    assert page["links"]["next"].endswith("page=2") and page["links"]["prev"] is None
    second = deskpro.get("tickets", count="2", page="2").get_json()
    assert [t["id"] for t in second["data"]] == [min(ids)] and second["links"]["next"] is None
    ascending = deskpro.get("tickets", order_by="id", order_dir="asc").get_json()
    assert [t["id"] for t in ascending["data"]] == sorted(ids)


def test_list_filters(deskpro):
    first = new_ticket(deskpro).get_json()["data"]
    new_ticket(deskpro, person="other@example.com")
    by_person = deskpro.get("tickets", person=str(first["person"])).get_json()
    assert [t["id"] for t in by_person["data"]] == [first["id"]]
    assert deskpro.get("tickets", status="resolved").get_json()["data"] == []
    assert len(deskpro.get("tickets", status="awaiting_agent").get_json()["data"]) == 2


@pytest.mark.parametrize("query,field", [({"count": "100000"}, "count"), ({"page": "0"}, "page"),
                                         ({"page": "x"}, "page"), ({"status": "weird"}, "status"),
                                         ({"order_by": "subject"}, "order_by"), ({"ids": "1,a"}, "ids")])
def test_bad_list_parameters_are_400_naming_them(deskpro, query, field):
    response = deskpro.get("tickets", **query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "invalid_input" and field in body["errors"]["fields"]


def test_update_answers_204_with_location_or_200_with_follow_location(app, deskpro):
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    response = deskpro("PUT", f"tickets/{ticket_id}", body={"status": "resolved", "urgency": 9})
    assert response.status_code == 204 and response.headers["Location"].endswith(f"/tickets/{ticket_id}")
    data = deskpro.get(f"tickets/{ticket_id}").get_json()["data"]
    assert data["status"] == "resolved" and data["urgency"] == 10 and data["date_resolved"]
    followed = deskpro("POST", f"tickets/{ticket_id}", body={"status": "awaiting_agent"}, follow_location="1")
    assert followed.status_code == 200 and followed.get_json()["data"]["status"] == "awaiting_agent"
    with app.app_context():  # every change is in the request's history, as from the staff pages
        logs = db.session.execute(db.select(Note.log).where(Note.request_id == ticket_id, Note.log != "")).scalars()
        assert any("closed" in line for line in logs)


def test_update_department_and_agent(app, deskpro):
    with app.app_context():
        category = Category(name="Billing")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    me = deskpro.get("me").get_json()["data"]["person_id"]
    assert deskpro("PUT", f"tickets/{ticket_id}", body={"department": category_id, "agent": me}).status_code == 204
    data = deskpro.get(f"tickets/{ticket_id}").get_json()["data"]
    assert data["department"] == category_id and data["category"] == category_id and data["agent"] == me
    bad = deskpro("PUT", f"tickets/{ticket_id}", body={"department": 999, "agent": 999})
    assert bad.status_code == 400 and "department" in bad.get_json()["errors"]["fields"]


def test_delete_answers_200_then_the_ticket_is_gone(app, deskpro):
    ticket_id = new_ticket(deskpro).get_json()["data"]["id"]
    response = deskpro("DELETE", f"tickets/{ticket_id}")
    assert response.status_code == 200 and set(response.get_json()) == {"data", "meta", "linked"}
    assert deskpro.get(f"tickets/{ticket_id}").status_code == 404
    assert deskpro.get("tickets").get_json()["meta"]["total"] == 0
    with app.app_context():
        assert db.session.get(Request, ticket_id).trashed  # in the staff trash, restorable


def test_custom_fields_are_set_and_checked(app, deskpro):
    with app.app_context():
        field = CustomField(name="Serial", field_type="numtext", always_visible=True)
        db.session.add(field)
        db.session.commit()
        field_id = field.id
    good = new_ticket(deskpro, fields={str(field_id): "42"})
    assert good.get_json()["data"]["fields"] == {str(field_id): {"aliases": [], "value": "42"}}
    bad = new_ticket(deskpro, fields={str(field_id): "forty-two"})
    assert bad.status_code == 400
    assert str(field_id) in bad.get_json()["errors"]["fields"]["fields"]["fields"]


def test_missing_fields_give_nested_errors_and_write_nothing(app, deskpro):
    response = deskpro("POST", "tickets", body={"message": {"format": "text"}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and body["code"] == "invalid_input" and body["message"]
    fields = body["errors"]["fields"]
    assert fields["subject"]["errors"][0] == {"code": "required", "message": "This value should not be blank."}
    assert fields["message"]["fields"]["message"]["errors"][0]["code"] == "required"
    assert "person" in fields
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


@pytest.mark.parametrize("raw,code", [("{nope", "invalid_json_body"), ("[1, 2]", "invalid_input"),
                                      ('{"subject": NaN}', "invalid_json_body"), ("[" * 100000, "invalid_json_body")])
def test_bad_json_is_400_never_500(deskpro, raw, code):
    response = deskpro("POST", "tickets", raw=raw)
    assert response.status_code == 400 and response.get_json()["code"] == code


@pytest.mark.parametrize("body,field", [
    ({"subject": ["x"]}, "subject"), ({"subject": "x" * 256}, "subject"), ({"urgency": 11}, "urgency"),
    ({"agent": "me"}, "agent"), ({"unknown": 1}, None), ({"labels": [7]}, "labels"),
    ({"labels": "vip"}, "labels"), ({"cc": ["a@example.com"]}, "cc"),
    ({"person": 12345}, "person"), ({"person": "not an email"}, "person"), ({"status": "open!"}, "status"),
])
def test_wrong_types_and_unknown_fields_name_the_field(app, deskpro, body, field):
    full = {"subject": "ok", "person": "ada@example.com", "message": {"message": "hi"}, **body}
    response = deskpro("POST", "tickets", body=full)
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["errors"]
    if field is None:
        assert errors["errors"][0]["code"] == "extra_fields" and "unknown" in errors["errors"][0]["message"]
    else:
        assert field in errors["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0


def test_a_staff_member_without_the_requests_right_gets_403(deskpro, make_key):
    key = make_key("mod@example.com", role="moderator")
    assert deskpro.get("tickets", key=key).status_code == 403
    assert deskpro("POST", "tickets", body={}, key=key).status_code == 403


def test_people_list_find_by_email_get_and_create(deskpro):
    new_ticket(deskpro)
    found = deskpro.get("people", primary_email="ADA@example.com").get_json()
    assert found["meta"]["total"] == 1
    person = found["data"][0]
    assert person["primary_email"] == "ada@example.com" and person["tickets_count"] == 1
    assert person["is_agent"] is False and person["fields"] == {}
    assert deskpro.get(f"people/{person['id']}").get_json()["data"]["id"] == person["id"]
    assert deskpro.get("people/999").status_code == 404
    made = deskpro("POST", "people", body={"primary_email": "New@Example.com", "first_name": "N"})
    assert made.status_code == 201 and made.get_json()["data"]["primary_email"] == "new@example.com"
    assert made.headers["Location"].endswith(f"/people/{made.get_json()['data']['id']}")
    dupe = deskpro("POST", "people", body={"primary_email": "new@example.com"})
    assert dupe.status_code == 400 and dupe.get_json()["code"] == "dupe_email"
    blank = deskpro("POST", "people", body={})
    assert blank.status_code == 400 and "primary_email" in blank.get_json()["errors"]["fields"]


def test_statuses_and_departments(app, deskpro):
    with app.app_context():
        db.session.add(Category(name="Billing"))
        db.session.commit()
    statuses = deskpro.get("ticket_statuses").get_json()["data"]
    assert {"awaiting_agent", "resolved"} <= {s["status_code"] for s in statuses}
    departments = deskpro.get("ticket_departments").get_json()["data"]
    assert [d["title"] for d in departments] == ["Billing"]
