"""A body with too many form fields is refused (413) before it is parsed.

A URL-encoded body of millions of ``a=&a=&...`` cost a worker 10 s of parsing. Werkzeug caps the parts of a
multipart body; urlencoded fields are counted on the raw bytes, before the expensive parse. The cap is
``MAX_FORM_PARTS`` (environment: ``MAX_FORM_FIELDS``), 1,000 by default."""
import io

import pytest
from werkzeug import formparser

from portal import config
from tests.api.conftest import set_setting


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.fixture
def parses(monkeypatch):
    """The fields each run of the urlencoded parser was given (a refused body leaves an empty stream, which
    a later look at the form may parse again: that costs nothing)."""
    calls = []
    real = formparser.parse_qsl

    def counting(text, *args, **kwargs):
        calls.append(text.count("&") + 1 if text else 0)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(formparser, "parse_qsl", counting)
    return calls


def urlencoded(count: int) -> bytes:
    return b"&".join(b"f%d=x" % n for n in range(count))


def test_the_default_cap_is_a_thousand_fields(app):
    assert config.from_environment(app.instance_path)["MAX_FORM_PARTS"] == 1000
    assert app.config["MAX_FORM_PARTS"] == 1000


def test_api_refuses_too_many_urlencoded_fields_unparsed(app, client, parses):
    set_setting(app, "public_api", True)
    body = b"method=version&" + urlencoded(5000)
    response = client.post("/api/index.php?output=json", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    error = response.get_json(force=True)["error"][0]
    assert error["id"] == 413 and "1000" in error["description"] and "fields" in error["description"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert not any(parses)  # refused on the count alone


def test_api_takes_a_thousand_fields(app, client):
    set_setting(app, "public_api", True)
    body = b"method=version&output=json&" + urlencoded(998)
    response = client.post("/api/index.php", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.data[:300]


def test_api_refuses_too_many_multipart_fields(app, client):
    set_setting(app, "public_api", True)
    data = {f"f{n}": "x" for n in range(1001)}
    response = client.post("/api/index.php?output=json&method=version", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 413
    error = response.get_json(force=True)["error"][0]
    assert error["id"] == 413 and "1000" in error["description"]


def test_a_portal_form_refuses_too_many_fields_with_a_page(client, parses):
    response = client.post("/requests/new", data=urlencoded(20000), content_type="application/x-www-form-urlencoded",
                           headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert "1000" in response.get_data(as_text=True)
    assert not any(parses)


def test_a_multipart_file_upload_is_not_a_field_problem(client):
    data = {"attachments": (io.BytesIO(b"x" * 10), "a.txt")}
    response = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert response.status_code != 413


@pytest.mark.parametrize("app_config", [{"MAX_FORM_PARTS": 10}], indirect=True)
def test_the_cap_follows_the_configuration(app, client):
    set_setting(app, "public_api", True)
    ok = client.post("/api/index.php", data=b"method=version&" + urlencoded(9),
                     content_type="application/x-www-form-urlencoded")
    assert ok.status_code == 200
    refused = client.post("/api/index.php", data=b"method=version&" + urlencoded(10),
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 413 and b"10" in refused.data


def test_the_environment_sets_the_cap(app, monkeypatch):
    monkeypatch.setenv("MAX_FORM_FIELDS", "50")
    assert config.from_environment(app.instance_path)["MAX_FORM_PARTS"] == 50
