"""HappyFox 1.1: odd input on every route is a 4xx under ``error``, never a 500 nor a half-written ticket."""
import json

import pytest

from portal.extensions import db
from portal.requests.models import Request

ODD_BODIES = ["null", "123", '"text"', "[1, 2]", '[{"subject": []}]', '{"subject": {"a": 1}, "category": 1e400}',
              '{"category": true, "text": ["a"], "priority": -1, "assignee": 99999999999999}',
              '{"staff": "x", "status": [], "t-cf-99999999999": {"v": 1}, "user": {"id": 1}}',
              '{"target_category_id": "1 OR 1=1", "assign_to": 1.5, "move_note": 7}', "{\"a\": NaN}", "\xff"]
WRITES = ["tickets/", "new_ticket/", "ticket/{id}/staff_update/", "ticket/{id}/staff_pvtnote/",
          "ticket/{id}/user_reply/", "ticket/{id}/move/", "ticket/{id}/delete/"]


@pytest.fixture
def ticket_id(app, happyfox):
    from tests import factories

    with app.app_context():
        req = factories.request(email="ada@example.com")
        db.session.commit()
        return req.id


@pytest.mark.parametrize("path", WRITES)
def test_odd_json_bodies_never_fail_with_500(app, happyfox, ticket_id, path):
    for raw in ODD_BODIES:
        response = happyfox("POST", path.format(id=ticket_id), data=raw.encode("utf-8", "surrogateescape"),
                            headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500 or (raw.startswith("[") and path == "tickets/"), (raw, response.data)
        assert "error" in response.get_json() or isinstance(response.get_json(), list)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Request.id))) == 1
        assert not db.session.get(Request, ticket_id).trashed


@pytest.mark.parametrize("path", WRITES)
def test_repeated_form_fields_are_400(happyfox, ticket_id, path):
    data = [("subject", "a"), ("subject", "b"), ("text", "x"), ("category", "1"), ("category", "2"),
            ("staff", "1"), ("staff", "2"), ("target_category_id", "1"), ("target_category_id", "2")]
    from werkzeug.datastructures import MultiDict

    response = happyfox("POST", path.format(id=ticket_id), data=MultiDict(data))
    assert response.status_code == 400, response.get_json()
    assert isinstance(response.get_json()["error"], list)


@pytest.mark.parametrize("query", [{"page": "99999999999"}, {"size": "-1"}, {"status": "1" * 40},
                                   {"category": ",".join(["1"] * 300)}, {"page": "1000000"}])
def test_odd_list_queries(happyfox, query):
    response = happyfox.get("tickets/", **query)
    assert response.status_code in (200, 400)
    body = response.get_json()
    assert "error" in body or body["data"] == []


@pytest.mark.parametrize("path", ["ticket/0/", "ticket/99999999999999999999/", "ticket/-1/", "ticket/abc/"])
def test_odd_ticket_ids_are_404(happyfox, path):
    response = happyfox.get(path)
    assert response.status_code == 404 and "error" in response.get_json()


def test_json_is_parsed_whatever_the_content_type(happyfox, ticket_id):
    response = happyfox("POST", f"ticket/{ticket_id}/staff_pvtnote/", data=json.dumps({"plaintext": "hi"}),
                        headers={"Content-Type": "text/plain"})
    assert response.status_code == 200 and response.get_json()["updates"][-1]["message"]["message_type"] == "p"


def test_an_id_past_the_columns_is_the_dialects_own_404_in_deskpro_too(deskpro):
    response = deskpro.get("tickets/99999999999999999999")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
