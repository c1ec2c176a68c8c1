"""Request tags as DeskPRO's ``labels``: on tickets (create, update, filter) and ``/labels``."""
from portal.extensions import db
from portal.requests.models import Request, RequestTag


def new_ticket(deskpro, **extra):
    body = {"subject": "Printer on fire", "person": "ada@example.com",
            "message": {"message": "It is on fire", "format": "text"}, **extra}
    response = deskpro("POST", "tickets", body=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]


def test_labels_on_create_update_and_filter(app, deskpro):
    first = new_ticket(deskpro, labels=["VIP", "printer", "vip", " "])
    assert first["labels"] == ["printer", "VIP"]
    second = new_ticket(deskpro, labels=["Printer"])
    assert second["labels"] == ["printer"]  # the same tag whatever the case
    other = new_ticket(deskpro)
    assert other["labels"] == []
    listed = deskpro.get("tickets", label="printer").get_json()["data"]
    assert {t["id"] for t in listed} == {first["id"], second["id"]}
    assert [t["id"] for t in deskpro.get("tickets", label="VIP").get_json()["data"]] == [first["id"]]
    assert deskpro.get("tickets/counts", label="vip").get_json()["data"]["total"] == 1
    response = deskpro("PUT", f"tickets/{first['id']}", body={"labels": ["billing"]}, follow_location="1")
    assert response.status_code == 200 and response.get_json()["data"]["labels"] == ["billing"]
    assert deskpro("PUT", f"tickets/{first['id']}", body={"urgency": 9}).status_code == 204
    assert deskpro.get(f"tickets/{first['id']}").get_json()["data"]["labels"] == ["billing"]  # kept
    assert deskpro("PUT", f"tickets/{first['id']}", body={"labels": []}).status_code == 204
    assert deskpro.get(f"tickets/{first['id']}").get_json()["data"]["labels"] == []
    with app.app_context():
        req = db.session.get(Request, second["id"])
        assert [t.name for t in req.tags] == ["printer"]
        logs = [n.log for n in db.session.get(Request, first["id"]).notes if n.log]
        assert any("Tags changed" in line for line in logs)


def test_labels_collection(deskpro):
    new_ticket(deskpro, labels=["b-tag", "a-tag"])
    new_ticket(deskpro, labels=["a-tag"])
    body = deskpro.get("labels").get_json()
    assert [(row["label"], row["tickets_count"]) for row in body["data"]] == [("a-tag", 2), ("b-tag", 1)]
    assert body["meta"]["total"] == 2
    assert deskpro.get("labels/counts").get_json()["data"] == {"total": 2}


def test_bad_labels_name_the_field(app, deskpro):
    for labels in (["x" * 101], [1], "vip", ["t"] * 0 + [f"t{i}" for i in range(51)]):
        response = deskpro("POST", "tickets", body={"subject": "s", "person": "a@example.com",
                                                    "message": {"message": "m"}, "labels": labels})
        assert response.status_code == 400, labels
        assert "labels" in response.get_json()["errors"]["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RequestTag.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 0
