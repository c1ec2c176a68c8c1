"""The OpenAPI 3.1 document: generated from the dialects' route registries (every DeskPRO and HappyFox route,
a new route described at once), and live replies of both dialects match it."""
import io
import re

import pytest
from jsonschema import Draft202012Validator

from portal.rest import openapi
from portal.rest.core import Dialect
from portal.rest.deskpro.dialect import dialect as deskpro_dialect
from portal.rest.happyfox.dialect import dialect as happyfox_dialect


@pytest.fixture
def doc(client):
    response = client.get("/api/v2/doc/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_route_of_both_dialects_is_described(doc):
    assert doc["openapi"] == "3.1.0"
    for dialect in (deskpro_dialect, happyfox_dialect):
        for path, verbs in dialect.routes.items():
            item = doc["paths"][openapi.openapi_path(dialect, path)]
            assert {v.lower() for v in verbs if v != "HEAD"} == set(item)
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert doc["paths"]["/api/v2/tickets/{ticket_id}"]["get"]["parameters"][0]["schema"]["type"] == "integer"
    assert doc["paths"]["/api/v2/helpdesk/discover"]["get"]["security"] == []
    assert doc["paths"]["/api/1.1/json/staff/"]["get"]["security"] == [{"happyfox": []}]
    assert doc["components"]["securitySchemes"]["happyfox"]["scheme"] == "basic"


def test_every_schema_is_valid_json_schema_2020_12(doc):
    for item in doc["paths"].values():
        for op in item.values():
            for reply in op["responses"].values():
                for media in reply.get("content", {}).values():
                    Draft202012Validator.check_schema(media["schema"])
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_a_new_route_is_described_without_more_work():
    dialect = Dialect("demo", "/api/demo")

    @dialect.route("/widgets/<int:widget_id>", ("GET", "DELETE"), "widgets.get")
    def widget(caller, widget_id):
        """One widget."""

    document = openapi.document([dialect])
    item = document["paths"]["/api/demo/widgets/{widget_id}"]
    assert set(item) == {"get", "delete"} and item["get"]["summary"] == "One widget."
    assert item["get"]["x-endpoint-tag"] == "widgets.get" and "200" in item["get"]["responses"]


def test_readable_page(client):
    page = client.get("/api/v2/doc")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "/api/v2/ticket_filters/{filter_id}/tickets" in text and "/api/1.1/json/staff/" in text


class Checker:
    """Checks a reply against the document: its status is listed for the path and verb, its body matches."""

    def __init__(self, doc):
        self.doc, self.checked = doc, 0

    def __call__(self, response, verb, path):
        path = path.split("?")[0]
        found = openapi.match(self.doc, path)
        assert found, f"{path} is not in the document"
        status = str(response.status_code)
        if verb.lower() not in found[1]:  # a verb the path does not take: the dialect's 405, in its error shape
            assert status == "405"
            operation = next(iter(found[1].values()))
        else:
            operation = found[1][verb.lower()]
        assert status in operation["responses"], f"{verb} {path} answered {status}, not documented"
        content = operation["responses"][status].get("content")
        if content is None:
            assert not response.data
        elif "application/json" in content:
            schema = {"components": self.doc["components"], "allOf": [content["application/json"]["schema"]]}
            errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
            assert not errors, f"{verb} {path} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
        self.checked += 1
        return response


def test_live_deskpro_replies_match_the_document(doc, deskpro, make_key):
    check = Checker(doc)

    def call(verb, path, **kw):
        path, _, query = path.partition("?")
        kw.update(dict(part.split("=") for part in query.split("&") if part))
        return check(deskpro(verb, path, **kw), verb, "/api/v2/" + path)

    ticket = call("POST", "tickets", body={"subject": "Fire", "person": {"name": "Ada L", "email": "ada@example.com"},
                                           "message": {"message": "help"}, "labels": ["hot"]}).get_json()["data"]
    tid = ticket["id"]
    call("GET", "tickets")
    call("GET", f"tickets/{tid}")
    call("PUT", f"tickets/{tid}", body={"urgency": 10})
    call("PUT", f"tickets/{tid}?follow_location=1", body={"subject": "Big fire"})
    call("GET", f"tickets/{tid}/messages")
    call("POST", f"tickets/{tid}/messages", body={"message": "on it", "is_note": True})
    call("GET", "ticket_filters")
    call("GET", "ticket_filters/inbox")
    call("GET", "ticket_filters/inbox/tickets")
    call("GET", "ticket_filters/counts")
    blob = deskpro.client.post("/api/v2/blobs/temp", data={"file": (io.BytesIO(b"x"), "a.txt")},
                               content_type="multipart/form-data", headers={"Authorization": f"key {deskpro.key}"})
    check(blob, "POST", "/api/v2/blobs/temp")
    for path in ("people", "agents", "labels", "articles", "article_categories", "ticket_statuses",
                 "ticket_custom_fields", "me", "helpdesk/discover", "apps/zapier/ping", "search?q=fire",
                 "tickets/counts", "organizations"):
        call("GET", path)
    call("POST", "batch", body={"requests": {"a": "/tickets", "b": "/tickets/999999"}})
    # errors
    call("POST", "tickets", body={"subject": ""})
    call("GET", "tickets/999999")
    call("PATCH", "tickets")
    call("GET", "tickets", key=None)
    call("GET", "tickets", count="0")
    read_only = make_key(email="reader@example.com", read_only=True)
    call("POST", "tickets", body={}, key=read_only)
    call("DELETE", f"tickets/{tid}")
    assert check.checked == 33


def test_live_happyfox_replies_match_the_document(doc, happyfox, deskpro):
    check = Checker(doc)
    created = deskpro("POST", "tickets", body={"subject": "Fire", "person": "ada@example.com",
                                                "message": {"message": "help"}}).get_json()["data"]["id"]
    for path in ("staff/", "categories/", "statuses/", "priorities/", "ticket_custom_fields/", "tickets/",
                 f"ticket/{created}/", "ticket/999999/"):
        check(happyfox.get(path), "GET", "/api/1.1/json/" + path)
    check(happyfox("GET", "tickets/", key=None), "GET", "/api/1.1/json/tickets/")
    check(happyfox.post("tickets/", {"subject": "x"}), "POST", "/api/1.1/json/tickets/")
    assert check.checked == 10


def test_match_refuses_unknown_paths(doc):
    assert openapi.match(doc, "/api/v2/no/such/thing") is None
    assert re.match(r"^/api/v2/", openapi.match(doc, "/api/v2/tickets/12")[0])
