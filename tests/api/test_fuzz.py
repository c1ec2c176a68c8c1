"""Random parameters for every API method of the registry (public and private, a new method is covered
automatically), in every output format, via the query string, a urlencoded body or multipart: the reply
is well-formed (200 with a body that parses in the asked format, or the error envelope with a 4xx),
never a 500."""
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.api.output import pick_format
from portal.api.registry import REGISTRY, lookup
from portal.extensions import db

from .conftest import php_unserialize

lookup("version")  # importing the methods package registers every method
METHODS = sorted(REGISTRY)

ODD = ["", " ", "0", "-1", "1", "2", "99999999999999999999", "1.5", "1e9", "true", "null", "[]", "{}", "'",
       "%", "\x00", "<x>", "&amp;", "a@b.c", "tsmith@companyco.com", "nusoxdln", "Ωμέγα", "💥"]
values = st.one_of(st.sampled_from(ODD), st.text(max_size=40), st.integers().map(str),
                   st.binary(max_size=30).map(lambda b: __import__("base64").b64encode(b).decode()))


def names_of(method) -> list[str]:
    names = []
    for name in method.required + method.optional:
        names += [name.replace("#", str(n)) for n in (1, 2)] if "#" in name else [name]
    return names + ["username", "password", "junk"]


@pytest.fixture
def world(app, build):
    """A few rows for ids to hit, and a staff token for the private methods."""
    from portal.accounts.models import Staff
    from portal.accounts.services import create_api_token, create_staff

    book = build.book()
    chapter = build.chapter(book)
    build.page(chapter)
    forum = build.forum()
    build.topic(forum)
    build.category()
    build.request()
    build.customer()
    with app.app_context():
        staff = create_staff("fuzz@example.com", "correct horse", role="administrator")
        _, secret = create_api_token(staff, "fuzz")
        db.session.commit()
        assert db.session.get(Staff, staff.id)
    return {"Authorization": f"Bearer {secret}"}


def parse(body: str, fmt: str):
    if fmt == "json":
        return json.loads(body)
    if fmt == "php":
        return php_unserialize(body)
    return ET.fromstring(body)


def is_error_envelope(parsed, fmt: str) -> bool:
    if fmt == "xml":
        return parsed.tag == "errors" and parsed.find("error/id") is not None
    return isinstance(parsed, dict) and "error" in parsed


@pytest.mark.parametrize("name", METHODS)
def test_random_parameters_get_a_well_formed_reply(app, client, world, name):
    method = REGISTRY[name]
    names = names_of(method)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
    @given(params=st.dictionaries(st.sampled_from(names), values, max_size=len(names)),
           output=st.sampled_from(["xml", "json", "php", "", "XML", "garbage"]),
           via=st.sampled_from(["query", "body", "multipart", "both"]))
    def check(params, output, via):
        fmt = pick_format(output)
        sent = {"method": name, "output": output, **params}
        headers = world if method.private else None
        if via == "query":
            response = client.get("/api/index.php", query_string=sent, headers=headers)
        elif via == "both":
            response = client.post("/api/index.php", query_string={"method": name, "output": output}, data=params,
                                   headers=headers)
        else:
            response = client.post("/api/index.php", data=sent, headers=headers,
                                   content_type="multipart/form-data" if via == "multipart" else None)
        assert response.status_code < 500, (name, sent, response.status_code)
        body = response.get_data(as_text=True)
        parsed = parse(body, fmt)
        if response.status_code != 200:
            assert 400 <= response.status_code < 500, response.status_code
            assert is_error_envelope(parsed, fmt), (name, sent, body[:300])

    check()


def test_every_registered_method_is_fuzzed():
    assert len(METHODS) >= 30 and {"request.create", "private.request.search", "kb.getPage"} <= set(METHODS)
