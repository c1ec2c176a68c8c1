"""Every HappyFox write takes its body as JSON, form-urlencoded or multipart alike (the same answer), and the
writes that keep files take them in ``attachments``."""
import io
import json

import pytest

from portal.extensions import db
from portal.requests.models import Attachment
from tests import factories


@pytest.fixture
def world(app):
    with app.app_context():
        office = factories.custom_field("Office")
        billing = factories.category("Billing", fields=[office])
        other = factories.category("Other")
        req = factories.request(email="ada@example.com")
        req.category_id = billing.id
        customer = factories.customer("ada@example.com")
        db.session.commit()
        return {"ticket": req.id, "billing": billing.id, "other": other.id, "office": office.id,
                "contact": customer.id}


def writes(w):
    """(path, body, what the answer shows) for every write."""
    return [
        ("tickets/", {"subject": "S", "text": "T", "category": w["billing"], "email": "x@example.com",
                      "tags": "a,b"}, lambda d: d["tags"] == "a,b"),
        ("new_ticket/", {"subject": "S", "text": "T", "category": w["billing"], "email": "x@example.com"},
         lambda d: d["subject"] == "S"),
        (f"ticket/{w['ticket']}/staff_update/", {"plaintext": "Hello", "priority": "2"},
         lambda d: d["priority"]["name"] == "Urgent"),
        (f"ticket/{w['ticket']}/staff_pvtnote/", {"plaintext": "Psst"},
         lambda d: d["updates"][-1]["message"]["message_type"] == "p"),
        (f"ticket/{w['ticket']}/user_reply/", {"user": w["contact"], "text": "Thanks"},
         lambda d: d["updates"][-1]["by"]["type"] == "user"),
        (f"ticket/{w['ticket']}/update_tags/", {"add": "x,y"}, lambda d: d["tags"] == "x,y"),
        (f"ticket/{w['ticket']}/update_custom_fields/", {f"t-cf-{w['office']}": "Leeds"},
         lambda d: d["custom_fields"][0]["value"] == "Leeds"),
        (f"ticket/{w['ticket']}/forward/", {"to": "a@example.com", "subject": "S", "message": "M",
                                            "include_pvt_notes": "true"}, lambda d: "Forwarded" in d["updates"][-1]["log"]),
        (f"ticket/{w['ticket']}/move/", {"target_category_id": w["other"]}, lambda d: d["category"]["id"] == w["other"]),
        ("users/", {"email": "new@example.com", "name": "New Person", "phones": json.dumps([{"number": "1"}])},
         lambda d: d["name"] == "New Person" and d["phones"][0]["number"] == "1"),
        (f"user/{w['contact']}/", {"name": "Ada King"}, lambda d: d["name"] == "Ada King"),
        (f"ticket/{w['ticket']}/delete/", {}, lambda d: d["deleted_ticket"].startswith("#TK")),
    ]


@pytest.mark.parametrize("number", range(12))
@pytest.mark.parametrize("how", ["json", "form", "multipart"])
def test_every_write_takes_every_body(app, happyfox, world, number, how):
    path, body, shows = writes(world)[number]
    if how == "json":
        sent = json.loads(json.dumps(body))
        if "phones" in sent:
            sent["phones"] = json.loads(sent["phones"])
        response = happyfox.post(path, sent)
    elif how == "form":
        response = happyfox("POST", path, data={k: str(v) for k, v in body.items()},
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        response = happyfox("POST", path, data={k: str(v) for k, v in body.items()},
                            headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 200, (path, how, response.get_json())
    assert shows(response.get_json()), response.get_json()


@pytest.mark.parametrize("path", ["tickets/", "ticket/{id}/staff_update/", "ticket/{id}/staff_pvtnote/",
                                  "ticket/{id}/user_reply/"])
def test_files_ride_along_where_kept(app, happyfox, world, path):
    body = {"subject": "S", "text": "T", "category": str(world["billing"]), "email": "x@example.com"} \
        if path == "tickets/" else {"plaintext": "See file", "text": "See file", "user": str(world["contact"])}
    if path.endswith("staff_update/") or path.endswith("staff_pvtnote/"):
        body.pop("user"), body.pop("text")
    elif path.endswith("user_reply/"):
        body.pop("plaintext")
    response = happyfox("POST", path.format(id=world["ticket"]),
                        data={**body, "attachments": [(io.BytesIO(b"one"), "one.txt"), (io.BytesIO(b"two"), "two.txt")]},
                        headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 200, response.get_json()
    files = [a["filename"] for u in response.get_json()["updates"] if u["message"] for a in u["message"]["attachments"]]
    assert sorted(files) == ["one.txt", "two.txt"]


@pytest.mark.parametrize("path", ["ticket/{id}/update_tags/", "ticket/{id}/move/", "ticket/{id}/forward/",
                                  "users/", "ticket/{id}/delete/"])
def test_files_are_refused_where_nothing_keeps_them(app, happyfox, world, path):
    response = happyfox("POST", path.format(id=world["ticket"]),
                        data={"add": "x", "attachments": (io.BytesIO(b"one"), "one.txt")},
                        headers={"Content-Type": "multipart/form-data"})
    assert response.status_code == 400
    assert "attachments" in {e["field"] for e in response.get_json()["error"]}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
