"""Random input on every HappyFox route (a new route is covered automatically): JSON of any shape, forms and
multipart with files, random path values and query strings. The answer is never a 500: a 2xx with JSON, or a
4xx whose body carries ``error``; and no ticket is ever left half-written (every one has its first message)."""
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.requests.models import Note, Request
from portal.rest.happyfox.dialect import dialect

ROUTES = sorted((path, verb) for path, verbs in dialect.routes.items() for verb in verbs)
NAMES = ["subject", "text", "html", "plaintext", "category", "email", "name", "client", "user", "priority",
         "assignee", "status", "staff", "staff_id", "tags", "add", "remove", "t-cf-1", "t-cf-2", "c-cf-1", "phones",
         "phone", "to", "cc", "bcc", "message", "target_category_id", "assign_to", "move_note", "created_at",
         "visible_only_staff", "include_pvt_notes", "is_login_enabled", "page", "size", "q", "sort", "section",
         "minify_response", "all", "junk"]
ODD = ["", " ", "0", "-1", "1", "2", "99999999999999999999", "1.5", "true", "null", "[]", "{}", "[1]", '["a"]',
       '[{"number": "1"}]', "a@b.co", "ada@example.com", "_all", "_pending", 'status:"New"', "tag:", '"', "a,b",
       "2019/01/25", "\x00", "<script>", "Ωμέγα", "💥", "x" * 300]
scalars = st.one_of(st.sampled_from(ODD), st.text(max_size=30), st.integers(), st.floats(allow_nan=False),
                    st.booleans(), st.none())
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                           max_leaves=12)
objects = st.dictionaries(st.sampled_from(NAMES), json_values, max_size=8)
form_values = st.one_of(st.sampled_from(ODD), st.text(max_size=30), st.integers().map(str))


@pytest.fixture
def app_config():
    return {"RATELIMIT_HAPPYFOX_READ": "1000000 per minute", "RATELIMIT_HAPPYFOX_WRITE": "1000000 per minute"}


@pytest.fixture
def world(app):
    from tests import factories

    with app.app_context():
        category = factories.category("Billing", fields=[factories.custom_field("Office")])
        req = factories.request(email="ada@example.com")
        req.category_id = category.id
        factories.customer("ada@example.com")
        chapter = factories.chapter(factories.book())
        factories.page(chapter)
        db.session.commit()
        return {"ticket": req.id, "chapter": chapter.id}


def fill(path: str, value: str) -> str:
    for name in ("<int:ticket_id>", "<int:section_id>", "<int:article_id>", "<ref>"):
        path = path.replace(name, value)
    return path


@pytest.mark.parametrize("path,verb", ROUTES)
def test_random_input_never_fails_with_500(app, happyfox, world, path, verb):
    ids = [str(world["ticket"]), str(world["chapter"]), "1", "0", "99999999999", "ada@example.com", "x"]

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                      HealthCheck.too_slow])
    @given(where=st.sampled_from(ids), query=st.dictionaries(st.sampled_from(NAMES), form_values, max_size=4),
           how=st.sampled_from(["json", "json-list", "form", "multipart", "raw"]),
           body=objects, items=st.lists(objects, max_size=3), form=st.dictionaries(st.sampled_from(NAMES),
                                                                                   form_values, max_size=8),
           raw=st.binary(max_size=40))
    def check(where, query, how, body, items, form, raw):
        url = fill(path, where).lstrip("/")
        if how == "json":
            response = happyfox(verb, url, body, **query)
        elif how == "json-list":
            response = happyfox(verb, url, items, **query)
        elif how == "form":
            response = happyfox(verb, url, data=form, **query)
        elif how == "multipart":
            response = happyfox(verb, url, data={**form, "attachments": (io.BytesIO(b"file"), "a.txt")},
                                headers={"Content-Type": "multipart/form-data"}, **query)
        else:
            response = happyfox(verb, url, data=raw, headers={"Content-Type": "application/json"}, **query)
        assert response.status_code < 500, (url, how, response.data[:300])
        parsed = json.loads(response.data)
        if response.status_code >= 400:
            assert isinstance(parsed, dict) and "error" in parsed, (url, how, parsed)

    check()
    with app.app_context():
        without_message = db.session.scalar(
            db.select(db.func.count(Request.id)).where(~Request.id.in_(db.select(Note.request_id)
                                                                       .where(Note.is_initial.is_(True)))))
        assert without_message == 0

