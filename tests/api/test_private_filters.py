"""private.user.getFilters, private.filter.get, private.request.multiGet, private.request.getChanged."""
import time

import pytest

from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import filters
from portal.requests.queue import QueueFilter

from .conftest import basic

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def pcall(api, make_staff):
    make_staff("ian@example.com", first_name="Ian", last_name="Landsman")

    def call(method, **params):
        return api.call(method, headers=AUTH, **params)
    return call


def _save(app, name, **criteria):
    with app.app_context():
        ian = db.session.execute(db.select(Staff).where(Staff.email == "ian@example.com")).scalar_one()
        saved = filters.save(ian, name, QueueFilter(**criteria))
        db.session.commit()
        return saved.id


def test_get_filters_lists_built_ins_and_saved_with_counts(pcall, app, build):
    bugs = build.category("Bugs")
    build.request(category_id=bugs)
    build.request()
    saved = _save(app, "Bugs", category_id=bugs)
    body = pcall("private.user.getFilters", output="json").get_json(force=True)
    by_id = {f["xFilter"]: f for f in body["filter"]}
    assert {"inbox", "myq", str(saved)} <= set(by_id)
    assert by_id["inbox"]["count"] == "2" and by_id["myq"]["count"] == "0" and by_id[str(saved)]["count"] == "1"
    assert by_id[str(saved)]["sFilterName"] == "Bugs" and by_id[str(saved)]["fGlobal"] == "0"
    assert by_id["inbox"]["displayColumns"]["fullname"] == "Customer"
    response, root = pcall("private.user.getFilters"), None
    import xml.etree.ElementTree as ET
    root = ET.fromstring(response.data)
    assert root.tag == "filters" and root.find("filter/displayColumns/takeit") is None
    assert [f.findtext("xFilter") for f in root.findall("filter")][:2] == ["inbox", "myq"]
    assert root.find("filter/displayColumns/fullname").text == "Customer"


def test_filter_get_returns_the_filters_requests(pcall, app, build):
    bugs = build.category("Bugs")
    first, _ = build.request(category_id=bugs, title="Crash")
    build.request(title="Other")
    saved = _save(app, "Bugs", category_id=bugs)
    body = pcall("private.filter.get", xFilter=saved, output="json", fRawValues=1).get_json(force=True)
    assert [r["xRequest"] for r in body["request"]] == [str(first)]
    assert body["request"][0]["xCategory"] == str(bugs) and "Crash" in body["request"][0]["tNote"]
    readable = pcall("private.filter.get", xFilter=saved, output="json").get_json(force=True)
    assert readable["request"][0]["xCategory"] == "Bugs" and readable["request"][0]["xStatus"] == "Active"
    inbox = pcall("private.filter.get", xFilter="inbox", output="json", fRawValues=1).get_json(force=True)
    assert len(inbox["request"]) == 2
    paged = pcall("private.filter.get", xFilter="inbox", output="json", start=1, length=1).get_json(force=True)
    assert len(paged["request"]) == 1 and paged["request"][0]["xRequest"] == inbox["request"][1]["xRequest"]


def test_filter_get_refuses_unknown_and_other_peoples_filters(pcall, app, build, make_staff):
    assert pcall("private.filter.get", xFilter="nope", output="json").get_json(force=True)["error"][0]["id"] == 101
    assert pcall("private.filter.get", output="json").get_json(force=True)["error"][0]["id"] == 101
    with app.app_context():
        kim = db.session.get(Staff, make_staff("kim@example.com"))
        theirs = filters.save(kim, "Kim's", QueueFilter()).id
        db.session.commit()
    assert pcall("private.filter.get", xFilter=theirs, output="json").status_code == 400


def test_multi_get_takes_php_arrays(pcall, api, build):
    one, _ = build.request(title="One")
    two, _ = build.request(title="Two")
    response = api.client.get("/api/index.php", headers=AUTH, query_string=[
        ("method", "private.request.multiGet"), ("output", "json"), ("fRawValues", "1"),
        ("xRequest[]", str(one)), ("xRequest[]", str(two)), ("xRequest[]", "999999")])
    body = response.get_json(force=True)
    assert [r["xRequest"] for r in body["request"]] == [str(one), str(two)]
    assert body["request"][0]["request_history"]["item"][0]["tNote"] == "This is the request."
    indexed = pcall("private.request.multiGet", output="json", **{"xRequest[0]": two}).get_json(force=True)
    assert [r["xRequest"] for r in indexed["request"]] == [str(two)]
    assert pcall("private.request.multiGet", output="json").get_json(force=True)["error"][0]["id"] == 101


def test_get_changed_repeats_an_id_per_change(pcall, build):
    since = int(time.time()) - 5
    one, _ = build.request()
    two, _ = build.request()
    pcall("private.request.update", via="body", xRequest=one, tNote="staff note")
    pcall("private.request.update", via="body", xRequest=one, fUrgent=1)
    body = pcall("private.request.getChanged", dtGMTChange=since, output="json").get_json(force=True)
    ids = body["xRequest"]
    assert ids.count(str(one)) >= 3 and ids.count(str(two)) == 1
    later = pcall("private.request.getChanged", dtGMTChange=int(time.time()) + 60, output="json").get_json(force=True)
    assert later["xRequest"] == []
    assert pcall("private.request.getChanged", output="json").get_json(force=True)["error"][0]["id"] == 101
