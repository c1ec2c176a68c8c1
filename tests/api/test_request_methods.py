"""Public request methods: customer.getRequests, request.create/update/get, getCategories, getCustomFields."""
import base64

import pytest

from portal.extensions import db
from portal.requests.models import Attachment, Note, Request, RequestMerge

from .conftest import error_ids, php_unserialize, set_setting


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- request.create ---------------------------------------------------------------------------

@pytest.mark.parametrize("via", ["query", "body", "multipart", "both"])
def test_create_from_every_parameter_source(api, app, via):
    response, body = api.json("request.create", via=via, tNote="Printer on fire", sEmail="Tim@Example.com",
                              sFirstName="Tim")
    assert response.status_code == 200
    assert isinstance(body["xRequest"], str) and body["accesskey"].startswith(body["xRequest"])
    assert len(body["accesskey"]) == len(body["xRequest"]) + 20
    with app.app_context():
        req = db.session.get(Request, int(body["xRequest"]))
        assert (req.opened_via, req.email, req.first_name) == (6, "tim@example.com", "Tim")
        assert req.notes[0].body == "Printer on fire" and req.notes[0].is_public and req.notes[0].is_initial


def test_create_xml_and_php(api):
    response, root = api.xml("request.create", via="body", tNote="x", sUserId="12345")
    assert root.tag == "request" and [c.tag for c in root] == ["xRequest", "accesskey"]
    php = php_unserialize(api.call("request.create", via="body", tNote="y", sUserId="1", output="php").data.decode())
    assert set(php) == {"xRequest", "accesskey"} and isinstance(php["xRequest"], str)


def test_create_missing_note_is_101_and_206(api):
    response, root = api.xml("request.create", via="body", sEmail="a@example.com")
    assert response.status_code == 400 and error_ids(root) == [101, 206]


def test_create_needs_some_customer_information(api):
    response, body = api.json("request.create", via="body", tNote="hello")
    assert body == {"error": [{"id": 207, "description":
                               "Could not create request: You must provide some customer information"}]}


def test_create_blank_optional_field_counts_as_absent(api):
    response, body = api.json("request.create", via="body", tNote="hello", sUserId="42", sPhone="", sEmail=" ")
    assert response.status_code == 200


def test_create_invalid_email(api):
    response, body = api.json("request.create", via="body", tNote="hello", sEmail="not-an-email")
    assert body["error"][0]["id"] == 207 and "not a valid email address" in body["error"][0]["description"]


def test_create_invalid_portal_is_207(api):
    response, body = api.json("request.create", via="body", tNote="hello", sUserId="1", xPortal="3")
    assert body == {"error": [{"id": 207, "description": "Could not create request: The portal ID is not valid"}]}


def test_create_custom_field_rules_per_category(api, app, build):
    required = build.field(name="Database", field_type="select", list_items=["MySQL", "PostgreSQL"], required=True)
    hidden = build.field(name="Internal", public=False)
    other = build.field(name="Other category field")
    bugs = build.category("Report a Bug", field_ids=[required, hidden])
    build.category("Sales", field_ids=[other])
    response, body = api.json("request.create", via="body", tNote="x", sUserId="1", xCategory=bugs)
    assert body["error"] == [{"id": 207, "description": "Could not create request: Please fill in Database"}]
    response, body = api.json("request.create", via="body", tNote="x", sUserId="1", xCategory=bugs,
                              **{f"Custom{required}": "PostgreSQL", f"Custom{hidden}": "secret",
                                 f"Custom{other}": "dropped"})
    assert response.status_code == 200
    with app.app_context():
        values = {v.field_id: v.value for v in db.session.get(Request, int(body["xRequest"])).field_values}
    assert values == {required: "PostgreSQL"}


def test_create_with_attachments(api, app):
    response, body = api.json("request.create", via="multipart", tNote="see file", sEmail="a@example.com",
                              File1_sFilename="Invoice.pdf", File1_sFileMimeType="application/pdf",
                              File1_bFileBody=b64(b"%PDF-1.4 hello"),
                              File2_sFilename="incomplete.txt", File2_sFileMimeType="text/plain")
    assert response.status_code == 200
    with app.app_context():
        files = db.session.execute(db.select(Attachment)).scalars().all()
        assert [(f.filename, f.mime_type, f.size) for f in files] == [("Invoice.pdf", "application/pdf", 14)]


def test_create_refuses_a_file_over_the_limit(api, app):
    set_setting(app, "max_upload_mb", 1)
    response, body = api.json("request.create", via="body", tNote="big", sEmail="a@example.com",
                              File1_sFilename="big.bin", File1_sFileMimeType="application/octet-stream",
                              File1_bFileBody=b64(b"x" * 1_000_001))
    assert response.status_code == 400 and body["error"][0]["id"] == 207
    assert "larger than 1 MB" in body["error"][0]["description"]


def test_create_bad_base64(api):
    response, body = api.json("request.create", via="body", tNote="x", sUserId="1", File1_sFilename="a.txt",
                              File1_sFileMimeType="text/plain", File1_bFileBody="%%%")
    assert body["error"][0]["id"] == 207


def test_create_runs_the_portal_spam_check(api, app):
    links = " ".join(f"http://spam{i}.example" for i in range(5))
    response, body = api.json("request.create", via="body", tNote=f"buy {links}", sEmail="a@example.com")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Request, int(body["xRequest"])).status_id == 2


# --- request.update ---------------------------------------------------------------------------

def test_update_adds_a_public_note_and_reopens(api, app, build):
    request_id, key = build.request()
    with app.app_context():
        req = db.session.get(Request, request_id)
        req.is_open = False
        db.session.commit()
    response, body = api.json("request.update", via="both", accesskey=key, tNote="Any news?",
                              File1_sFilename="log.txt", File1_sFileMimeType="text/plain",
                              File1_bFileBody=b64(b"log"))
    assert response.status_code == 200 and body == {"xRequest": str(request_id)}
    with app.app_context():
        req = db.session.get(Request, request_id)
        assert req.is_open
        note = [n for n in req.notes if n.body == "Any news?"][0]
        assert note.is_public and note.author_id == 0 and [a.filename for a in note.attachments] == ["log.txt"]


@pytest.mark.parametrize("params, ids", [
    ({}, [101, 101, 210]),
    ({"accesskey": "1abcdef"}, [101, 210]),
    ({"accesskey": "999abcdef", "tNote": "x"}, [210]),
    ({"accesskey": "garbage", "tNote": "x"}, [210]),
])
def test_update_errors(api, params, ids):
    response, root = api.xml("request.update", via="body", **params)
    assert response.status_code == 400 and error_ids(root) == ids


def test_update_wrong_password_is_210(api, build):
    request_id, key = build.request()
    response, root = api.xml("request.update", via="body", accesskey=f"{request_id}WrongPassword", tNote="x")
    assert error_ids(root) == [210]


def test_update_history_limit_is_106(api, app, build):
    request_id, key = build.request()
    set_setting(app, "max_request_history", 1)
    response, root = api.xml("request.update", via="body", accesskey=key, tNote="x")
    assert error_ids(root) == [106]


def merged_key(app, build):
    target_id, _ = build.request()
    with app.app_context():
        db.session.add(RequestMerge(old_id=5000, old_password="oldsecret", request_id=target_id))
        db.session.commit()
    return target_id


@pytest.mark.parametrize("method", ["request.get", "request.update"])
def test_merged_key_answers_208_only_with_the_right_password(api, app, build, method):
    target_id = merged_key(app, build)
    response, body = api.json(method, via="body", accesskey="5000oldsecret", tNote="x")
    assert body == {"error": [{"xRequest": str(target_id), "id": 208, "description": "Request has been merged"}]}
    response, body = api.json(method, via="body", accesskey="5000wrongpass", tNote="x")
    assert body["error"][0]["id"] == (102 if method == "request.get" else 210)
    assert "xRequest" not in body["error"][0]


# --- request.get ------------------------------------------------------------------------------

def test_get_lists_every_public_note_with_its_own_files(api, app, build):
    from portal.files import Upload
    from portal.requests import services

    request_id, key = build.request(uploads=[Upload("first.txt", b"1", "text/plain")])
    with app.test_request_context():
        req = db.session.get(Request, request_id)
        services.add_customer_update(req, "second", [Upload("second.pdf", b"2", "application/pdf")])
        db.session.add(Note(request=req, body="staff only", is_public=False, author_id=0))
        db.session.commit()
        attachment_ids = {a.filename: a.id for a in db.session.execute(db.select(Attachment)).scalars()}
    response, body = api.json("request.get", accesskey=key)
    assert response.status_code == 200
    notes = body["request_history"]["item"]
    assert [n["tNote"] for n in notes] == ["second", "This is the request."]
    assert [[f["sFilename"] for f in n["files"]["file"]] for n in notes] == [["second.pdf"], ["first.txt"]]
    second = notes[0]["files"]["file"][0]
    assert second["public_url"] == f"http://portal.test/requests/{key}/files/{attachment_ids['second.pdf']}"
    assert second["xDocumentId"] == str(attachment_ids["second.pdf"])
    assert body["xRequest"] == str(request_id) and body["sRequestPassword"] == key[len(str(request_id)):]
    assert all(isinstance(v, str) for k, v in body.items() if k not in ("reportingTags", "request_history"))


def test_get_note_without_files_has_empty_files(api, build):
    request_id, key = build.request()
    assert api.json("request.get", accesskey=key)[1]["request_history"]["item"][0]["files"] == []
    xml = api.call("request.get", accesskey=key).data.decode()
    assert "\t\t\t<files />\n\t\t</item>" in xml


def test_get_shows_public_custom_fields_only(api, app, build):
    public = build.field(name="Office", always_visible=True)
    private = build.field(name="Internal", always_visible=True, public=False)
    request_id, key = build.request(custom={public: "Boston"})
    with app.app_context():
        from portal.requests.models import FieldValue
        db.session.add(FieldValue(request_id=request_id, field_id=private, value="secret"))
        db.session.commit()
    response, body = api.json("request.get", accesskey=key)
    assert body[f"Custom{public}"] == "Boston" and f"Custom{private}" not in body


@pytest.mark.parametrize("params, ids", [({}, [101, 102]), ({"accesskey": "1zzzzzz"}, [102])])
def test_get_errors(api, params, ids):
    response, root = api.xml("request.get", **params)
    assert error_ids(root) == ids


# --- customer.getRequests ---------------------------------------------------------------------

def test_customer_requests_keyed_by_id(api, app, build):
    build.customer()
    public = build.field(name="Office", always_visible=True)
    private = build.field(name="Internal", always_visible=True, public=False)
    long_note = "word " * 40
    first, _ = build.request(note=long_note, custom={public: "HQ"})
    second, key2 = build.request(note="<p>Second <b>one</b></p>")
    build.request(email="someone@else.com")
    response, body = api.json("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln")
    assert response.status_code == 200
    assert set(body["request"]) == {str(first), str(second)}
    item = body["request"][str(second)]
    assert item["accesskey"] == key2 and item["sStatus"] == "Active" and item["sCategory"] is None
    assert item["tNote"] == "Second one"
    assert body["request"][str(first)]["tNote"] == long_note.strip()  # no inserted spaces
    assert body["request"][str(first)][f"Custom{public}"] == "HQ" and f"Custom{private}" not in item


def test_customer_requests_bad_login_and_none(api, build):
    build.customer()
    response, root = api.xml("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="wrong")
    assert response.status_code == 400 and error_ids(root) == [104]
    response, root = api.xml("customer.getRequests", sEmail="nobody@x.com", sPassword="x")
    assert error_ids(root) == [104]
    response = api.call("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln")
    assert response.data.endswith(b"\n<requests />")
    response, body = api.json("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln")
    assert body == []
    response, root = api.xml("customer.getRequests")
    assert error_ids(root) == [101, 101]


def test_customer_login_failures_are_throttled(api, build):
    build.customer()
    for _ in range(10):
        api.call("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="wrong")
    response, root = api.xml("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln")
    assert response.status_code == 429 and error_ids(root) == [3]


def test_customer_login_failures_are_throttled_per_address(api, build, monkeypatch):
    from portal.accounts import services

    build.customer()
    monkeypatch.setattr(services, "MAX_IP_FAILURES", 2)
    for n in range(2):
        api.call("customer.getRequests", sEmail=f"guess{n}@example.com", sPassword="wrong")
    response, root = api.xml("customer.getRequests", sEmail="tsmith@companyco.com", sPassword="nusoxdln")
    assert response.status_code == 429 and error_ids(root) == [3]


# --- categories and custom fields ---------------------------------------------------------------

def test_categories(api, build):
    f7, f5 = build.field(name="A"), build.field(name="B")
    hidden = build.field(name="C", public=False)
    usage = build.category("Usage Question", field_ids=[f7, hidden, f5])
    bug = build.category("Report a Bug")
    no_public = build.category("Internal list", field_ids=[hidden])
    build.category("Deleted", deleted=True)
    build.category("Staff only", public_submit=False)
    response, body = api.json("request.getCategories")
    assert list(body["category"]) == [str(no_public), str(bug), str(usage)]  # by name
    assert body["category"][str(usage)] == {"xCategory": str(usage), "sCategory": "Usage Question",
                                            "sCustomFieldList": {"xCustomField": [str(f7), str(f5)]}}
    assert body["category"][str(bug)]["sCustomFieldList"] is None
    assert body["category"][str(no_public)]["sCustomFieldList"] == {"xCustomField": []}
    xml = api.call("request.getCategories").data.decode()
    assert "<sCustomFieldList>\n\t\t\t<xCustomField />\n\t\t</sCustomFieldList>" in xml
    assert "<sCustomFieldList />" in xml


def test_no_categories(api):
    assert api.call("request.getCategories").data.endswith(b"<categories>\n\t<category />\n</categories>")
    assert api.json("request.getCategories")[1] == {"category": []}


def test_custom_fields(api, build):
    select = build.field(name="Database", field_type="select", list_items=["MySQL", "PostgreSQL"], position=1)
    text = build.field(name="Office", text_size=30, always_visible=True, position=0)
    build.field(name="Secret", public=False)
    response, body = api.json("request.getCustomFields")
    assert list(body["field"]) == [str(text), str(select)]
    assert body["field"][str(select)]["listItems"] == {"item": ["MySQL", "PostgreSQL"]}
    assert body["field"][str(text)]["listItems"] == "" and body["field"][str(text)]["sTxtSize"] == "30"
    assert body["field"][str(select)]["sTxtSize"] is None
