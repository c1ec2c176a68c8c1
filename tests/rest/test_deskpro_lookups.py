"""DeskPRO v2 sideloads (``include=``), ``counts``, the reference lists and the collections Portico lacks."""
import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests.models import Category, CustomField


def new_ticket(deskpro, **extra):
    body = {"subject": "Printer on fire", "person": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "message": {"message": "It is on fire", "format": "text"}, **extra}
    response = deskpro("POST", "tickets", body=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def agent_id(app, email="agent@example.com"):
    with app.app_context():
        return db.session.execute(db.select(Staff.id).where(Staff.email == email)).scalar_one()


def test_include_sideloads_people_agents_statuses_departments(app, deskpro):
    with app.app_context():
        category = Category(name="Billing")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    me = agent_id(app)
    first = new_ticket(deskpro, department=category_id, agent=me)
    new_ticket(deskpro, person="bob@example.com")
    body = deskpro.get("tickets", include="person,agent,status,department").get_json()
    linked = body["linked"]
    assert set(linked) == {"person", "agent", "status", "department"}
    assert {p["primary_email"] for p in linked["person"].values()} == {"ada@example.com", "bob@example.com"}
    assert linked["person"][str(first["person"])]["tickets_count"] == 1
    assert list(linked["agent"]) == [str(me)] and linked["agent"][str(me)]["is_agent"] is True
    assert linked["status"] == {"awaiting_agent": {"status_code": "awaiting_agent", "title": "Awaiting Agent",
                                                   "status_type": "active"}}
    assert linked["department"][str(category_id)]["title"] == "Billing"
    one = deskpro.get(f"tickets/{first['id']}", include="department").get_json()
    assert set(one["linked"]) == {"department"} and str(category_id) in one["linked"]["department"]
    assert deskpro.get("tickets").get_json()["linked"] == {}


def test_unknown_include_names_the_parameter(deskpro):
    response = deskpro.get("tickets", include="person,organization")
    assert response.status_code == 400
    assert "include" in response.get_json()["errors"]["fields"]


def test_counts_follow_the_listing_filters(deskpro):
    first = new_ticket(deskpro)
    new_ticket(deskpro, person="bob@example.com")
    assert deskpro("PUT", f"tickets/{first['id']}", body={"status": "resolved"}).status_code == 204
    body = deskpro.get("tickets/counts").get_json()
    assert set(body) == {"data", "meta", "linked"}
    assert body["data"] == {"total": 2, "status": {"awaiting_agent": 1, "awaiting_user": 0, "resolved": 1,
                                                   "hidden": 0}}
    assert deskpro.get("tickets/counts", person=str(first["person"])).get_json()["data"]["total"] == 1
    assert deskpro.get("people/counts").get_json()["data"] == {"total": 2}
    assert deskpro.get("agents/counts").get_json()["data"] == {"total": 1}


def test_agents_are_staff(app, deskpro, make_staff):
    make_staff("zed@example.com", first_name="Zed", last_name="Last")
    gone = make_staff("gone@example.com")
    with app.app_context():
        db.session.get(Staff, gone).active = False
        db.session.commit()
    body = deskpro.get("agents").get_json()
    assert {a["primary_email"] for a in body["data"]} == {"agent@example.com", "zed@example.com"}
    assert all(a["is_agent"] and not a["is_user"] for a in body["data"]) and body["meta"]["total"] == 2
    assert len(deskpro.get("agents", all="1").get_json()["data"]) == 3
    one = deskpro.get(f"agents/{gone}").get_json()["data"]
    assert one["primary_email"] == "gone@example.com" and one["is_disabled"] is True
    assert deskpro.get("agents/999999").status_code == 404


def test_a_moderators_key_may_not_list_agents(deskpro, make_key):
    key = make_key("mod@example.com", role="moderator")
    assert deskpro.get("agents", key=key).status_code == 403


def test_custom_fields_categories_and_departments(app, deskpro):
    with app.app_context():
        db.session.add_all([CustomField(name="Colour", field_type="select", list_items_json='["Red", "Blue"]'),
                            CustomField(name="Notes", field_type="lrgtext", public=False),
                            Category(name="Billing"), Category(name="Old", deleted=True)])
        db.session.commit()
    fields = deskpro.get("ticket_custom_fields").get_json()["data"]
    by_title = {f["title"]: f for f in fields}
    assert by_title["Colour"]["widget_type"] == "choice"
    assert [c["title"] for c in by_title["Colour"]["choices"]] == ["Red", "Blue"]
    assert by_title["Notes"]["widget_type"] == "textarea" and by_title["Notes"]["choices"] == []
    assert by_title["Notes"]["is_agent_field"] is True
    colour = deskpro.get(f"ticket_custom_fields/{by_title['Colour']['id']}").get_json()["data"]
    assert colour == by_title["Colour"]
    assert deskpro.get("ticket_custom_fields/999999").status_code == 404
    categories = deskpro.get("ticket_categories").get_json()["data"]
    assert [c["title"] for c in categories] == ["Billing"]
    assert deskpro.get("ticket_departments").get_json()["data"] == categories


@pytest.mark.parametrize("path", ["ticket_priorities", "ticket_products", "ticket_workflows", "organizations"])
def test_collections_portico_has_no_concept_for_are_empty(deskpro, path):
    body = deskpro.get(path).get_json()
    assert body["data"] == [] and body["meta"]["total"] == 0 and body["linked"] == {}
    assert deskpro.get(f"{path}/counts").get_json()["data"] == {"total": 0}
    assert deskpro.get(f"{path}/1").status_code == 404
    assert deskpro("POST", path, body={"title": "x"}).status_code == 405


def test_lookups_obey_the_keys_tags(deskpro, make_key):
    key = make_key(name="no agents", tags="*, -agents.*")
    assert deskpro.get("agents", key=key).status_code == 403
    assert deskpro.get("ticket_custom_fields", key=key).status_code == 200
