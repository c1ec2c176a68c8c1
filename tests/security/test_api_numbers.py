"""Numbers typed by a caller give a clear answer, never a 500.

``str.isdigit()`` is true for "²" and "١٢", which ``int()`` refuses or reads as 12; a number that is too
large fails where it reaches a query (an OFFSET, an INTEGER column) or ``Decimal`` rounding."""
import pytest

from portal import settings
from tests.api.conftest import Api, Builder, set_setting

HUGE = "99999999999999999999"
ODD_DIGITS = ["²", "١٢", "12²", "1٢"]


@pytest.fixture
def api(app, client):
    set_setting(app, "public_api", True)
    return Api(client)


# --- custom fields -------------------------------------------------------------------------------

@pytest.fixture
def fields(app):
    build = Builder(app)
    ids = {kind: build.field(name=f"A {kind}", field_type=kind, always_visible=True, public=True)
           for kind in ("decimal", "numtext", "date", "datetime")}
    return ids


@pytest.mark.parametrize("kind, raw", [
    ("decimal", "1e100000"), ("decimal", "9" * 40), ("decimal", "-1e30"), ("decimal", "1e-100000"),
    ("numtext", "²"), ("numtext", "١٢"), ("numtext", "9" * 300),
    ("date", "9" * 5000), ("date", HUGE), ("datetime", "-" + HUGE), ("date", "²"),
])
def test_a_custom_field_refuses_an_unusable_number(api, fields, kind, raw):
    response, body = api.json("request.create", via="body", tNote="Hello", sEmail="a@example.com",
                              **{f"Custom{fields[kind]}": raw})
    if kind == "decimal" and raw == "1e-100000":  # tiny, but a number: rounds to zero
        assert response.status_code == 200, body
        return
    assert response.status_code == 400, body
    assert [e["id"] for e in body["error"]] == [207]


def test_a_decimal_within_range_is_rounded(api, app, fields):
    response, body = api.json("request.create", via="body", tNote="Hello", sEmail="a@example.com",
                              **{f"Custom{fields['decimal']}": "123456789012345.678"})
    assert response.status_code == 200, body


def test_the_portal_form_refuses_odd_digits_in_names_and_values(app, client, fields):
    form = {"first_name": "Ann", "email": "ann@example.com", "note": "Hi", "category": "²",
            "Custom²": "x", f"Custom{fields['decimal']}": "1e100000"}
    response = client.post("/requests/new", data=form)
    assert response.status_code in (200, 400), response.data[:300]


# --- legacy links, pages, the API's numbers ------------------------------------------------------

@pytest.mark.parametrize("query", [f"pg=kb.page&id={raw}" for raw in ODD_DIGITS + [HUGE, "2147483648"]]
                         + [f"pg=file&id={raw}&from=2" for raw in ODD_DIGITS + [HUGE]])
def test_legacy_links_with_odd_ids(client, query):
    response = client.get(f"/index.php?{query}")
    assert response.status_code in (301, 404), response.data[:300]


@pytest.fixture
def topic(app):
    build = Builder(app)
    forum = build.forum()
    return forum, build.topic(forum)


@pytest.mark.parametrize("page", [HUGE, "9223372036854775807", "2147483648", "²", "١٢", "-3"])
@pytest.mark.parametrize("where", ["forum", "topic"])
def test_forum_page_numbers(client, topic, page, where):
    forum_id, topic_id = topic
    path = f"/forums/{forum_id}" if where == "forum" else f"/forums/topics/{topic_id}"
    response = client.get(path, query_string={"page": page}, follow_redirects=True)
    assert response.status_code in (200, 404), response.data[:300]
    if page in ("²", "١٢", "-3"):
        assert response.status_code == 200  # not a page number: the first page


def test_a_huge_forum_page_size_setting_is_refused(ctx):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        settings.coerce("forum_page_size", HUGE)
    with pytest.raises(ValidationFailed):
        settings.coerce("forum_page_size", "²")


@pytest.mark.parametrize("raw", ODD_DIGITS + [HUGE])
def test_api_numbers_are_ascii(api, raw):
    from portal.api.registry import Params

    assert Params({"xBook": raw}).int("xBook") is None
    response, body = api.json("kb.get", xBook=raw)
    assert response.status_code == 200


def test_php_keys_with_odd_digits(api):
    from portal.api.output import to_php

    assert to_php("x", {"²": "a", "12": "b"}) == 'a:2:{s:2:"²";s:1:"a";i:12;s:1:"b";}'


# --- the staff workspace and the customer's history ---------------------------------------------

@pytest.fixture
def admin(client, make_staff):
    make_staff("admin@example.com", role="administrator")
    response = client.post("/staff/login", data={"email": "admin@example.com", "password": "correct horse"})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", [f"/staff/requests?page={HUGE}", "/staff/requests?q=²", f"/staff/requests?q={HUGE}",
                                  "/staff/requests?q=١٢", f"/staff/kb?q=install&page={HUGE}",
                                  f"/staff/forums?q=install&page={HUGE}"])
def test_staff_pages_with_odd_numbers(admin, path):
    response = admin.get(path)
    assert response.status_code in (200, 404), response.data[:300]


@pytest.mark.parametrize("path, form", [
    ("/staff/admin/categories/new", {"name": "Odd", "fields": ["²", HUGE, "1"]}),
    ("/staff/forums/new", {"name": "Odd", "moderators": ["²", HUGE], "position": HUGE}),
    ("/staff/forums/spam", {"posts": ["²", HUGE], "action": "approve"}),
    ("/staff/admin/fields/new", {"name": "Odd", "field_type": "text", "position": "²", "text_size": HUGE}),
])
def test_staff_forms_with_odd_numbers(admin, path, form):
    response = admin.post(path, data=form)
    assert response.status_code in (200, 302, 303, 400), response.data[:300]


def test_staff_page_editor_with_odd_related_ids(admin, app):
    build = Builder(app)
    chapter = build.chapter(build.book())
    response = admin.post(f"/staff/kb/chapters/{chapter}/pages/new",
                          data={"name": "Odd", "body": "<p>x</p>", "related": ["²", HUGE]})
    assert response.status_code in (200, 302, 303, 400), response.data[:300]


def test_customer_history_page_number(client, app):
    Builder(app).customer()
    client.post("/account/login", data={"email": "tsmith@companyco.com", "password": "nusoxdln"})
    response = client.get("/account/requests", query_string={"page": HUGE})
    assert response.status_code in (200, 404), response.data[:300]
