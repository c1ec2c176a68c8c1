"""HelpSpot's ``reportingTags``: request tags in request.get and private.request.get, set by
private.request.create and private.request.update (ids or names, separated by commas)."""
import pytest

from portal.extensions import db
from portal.requests.models import Request

from .conftest import basic

AUTH = basic("ian@example.com", "correct horse")


@pytest.fixture
def pcall(api, make_staff):
    make_staff("ian@example.com", first_name="Ian", last_name="Landsman")

    def call(method, **params):
        return api.call(method, headers=AUTH, output="json", **params)
    return call


def test_create_update_and_get(pcall, api, app, build):
    bugs = build.category("Bugs")
    body = pcall("private.request.create", via="body", tNote="x", xCategory=bugs, sEmail="c@example.com",
                 reportingTags="Printer, Software").get_json(force=True)
    request_id = int(body["xRequest"])
    got = pcall("private.request.get", xRequest=request_id, fRawValues=1).get_json(force=True)
    tags = got["reportingTags"]["tag"]
    assert [t["sReportingTag"] for t in tags] == ["Printer", "Software"]
    printer = tags[0]["xReportingTag"]
    # update by id and by a new name
    assert pcall("private.request.update", via="body", xRequest=request_id,
                 reportingTags=f"{printer},Hardware").status_code == 200
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert [t.name for t in req.tags] == ["Hardware", "Printer"]
        key = req.access_key
    public = api.call("request.get", accesskey=key, output="json").get_json(force=True)
    assert [t["sReportingTag"] for t in public["reportingTags"]["tag"]] == ["Hardware", "Printer"]
    # an update without reportingTags keeps them
    pcall("private.request.update", via="body", xRequest=request_id, fUrgent=1)
    with app.app_context():
        assert len(db.session.get(Request, request_id).tags) == 2


def test_unknown_tag_id_is_an_error(pcall, app, build):
    bugs = build.category("Bugs")
    response = pcall("private.request.create", via="body", tNote="x", xCategory=bugs, sEmail="c@example.com",
                     reportingTags="99999")
    assert response.get_json(force=True)["error"][0]["id"] == 207
    request_id, _ = build.request()
    response = pcall("private.request.update", via="body", xRequest=request_id, reportingTags="99999")
    assert response.get_json(force=True)["error"][0]["id"] == 212
