"""Random input at every DeskPRO v2 route of the registry (a new route is covered automatically): bad JSON,
wrong types, unknown and over-long fields, huge count/page, unknown ids. The reply is the envelope or the
error shape, never a 500; an error reply leaves every table as it was (no half-written row)."""
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.rest.deskpro.dialect import dialect

ROUTES = sorted((path, verb) for path, verbs in dialect.routes.items() for verb in verbs if verb != "HEAD")
TABLES = ("request", "note", "attachment", "field_value", "customer", "page", "book", "chapter", "request_tag",
          "request_tag_link", "saved_filter", "temp_blob", "hook_subscription", "api_key")
ODD = ["", " ", "0", "-1", "1", "2", "99999999999999999999", "1.5", "1e309", "true", "null", "[]", "{}", "'",
       "\x00", "<script>", "a@b.c", "ada@example.com", "Ωμέγα", "💥", "x" * 300, "x" * 70_000, "inbox"]
scalars = st.one_of(st.sampled_from(ODD), st.text(max_size=30), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False), st.booleans(), st.none())
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
FIELDS = ["subject", "person", "person_email", "message", "format", "is_note", "attachments", "department",
          "category", "agent", "status", "urgency", "labels", "cc", "fields", "title", "content", "categories",
          "parent", "primary_email", "email", "password", "name", "target_url", "event", "requests", "junk"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6).map(json.dumps),
    st.sampled_from(["{", "[1,2]", "null", "\"x\"", "NaN", "{\"a\": Infinity}", "[" * 5000, "\xff\xfe"]),
    json_values.map(json.dumps),
)
QUERY = ["page", "count", "include", "ids", "status", "order_by", "order_dir", "person", "label", "agent",
         "department", "q", "types", "primary_email", "follow_location", "get[a]"]
queries = st.dictionaries(st.sampled_from(QUERY), st.sampled_from(ODD) | st.text(max_size=20), max_size=4)
ids = st.sampled_from(["1", "2", "0", "999999", "2147483648", "99999999999999999999", "inbox", "x"])


@pytest.fixture
def world(app, deskpro):
    """A ticket with a message, a person, an article and a category for ids to hit."""
    deskpro("POST", "tickets", body={"subject": "Fire", "person": "ada@example.com", "message": {"message": "hi"}})
    deskpro("POST", "article_categories", body={"title": "Guides"})
    deskpro("POST", "articles", body={"title": "How", "content": "<p>x</p>", "categories": [1]})
    return deskpro


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {t: db.session.scalar(db.text(f"SELECT count(*) FROM {t}")) for t in TABLES}


@pytest.mark.parametrize("path, verb", ROUTES, ids=[f"{v} {p}" for p, v in ROUTES])
def test_random_input_never_fails_or_half_writes(app, world, path, verb):
    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
    @given(values=st.fixed_dictionaries({name: ids for name in re.findall(r"<(?:\w+:)?(\w+)>", path)}),
           body=bodies, query=queries, headers=st.sampled_from([{}, {"X-Deskpro-Api-Get-Query-Body": "1"},
                                                               {"Content-Type": "text/plain"}]))
    def check(values, body, query, headers):
        concrete = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
        before = counts(app)
        response = world(verb, concrete, raw=body.encode("utf-8", "surrogatepass") if verb != "GET" else None,
                         headers=headers, **query)
        assert response.status_code < 500, (verb, concrete, query, body[:200], response.get_data()[:300])
        if response.mimetype == "application/json" and response.status_code != 204:
            parsed = response.get_json()
            if response.status_code >= 400:
                assert {"status", "code", "message"} <= set(parsed), parsed
            elif isinstance(parsed, dict) and "data" in parsed:
                assert {"data", "meta", "linked"} <= set(parsed)
        if response.status_code >= 400:
            assert counts(app) == before, (verb, concrete, body[:200], response.get_json())

    check()


def test_every_route_is_fuzzed():
    assert len(ROUTES) >= 50 and ("/ticket_filters/<filter_id>/tickets", "GET") in ROUTES
