"""The submit-a-request page (requests.new): the form, its custom fields by category, files, bot guard, spam."""
import io
import re
import time

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from portal import settings, spam
from portal.extensions import db
from portal.requests.models import STATUS_SPAM, Category, CategoryField, CustomField, Request
from portal.requests.services import RequestInput, create_request

KEY_URL = re.compile(r"/requests/(\d+[A-Za-z]{20})$")


# --- helpers shared with the other request view tests -------------------------------------------------

def human(app, age: float = 10) -> dict:
    """The bot-guard fields of a form loaded ``age`` seconds ago by a person (honeypot left empty)."""
    with app.test_request_context():
        return {"form_token": spam.form_token(now=time.time() - age), spam.HONEYPOT_FIELD: ""}


def make_catalogue(app) -> dict:
    """Categories and custom fields like a real help desk: ids by name."""
    with app.app_context():
        order = CustomField(name="Order number", field_type="numtext", required=True, position=1)
        model = CustomField(name="Model", field_type="select", position=2)
        model.list_items = ["X100", "X200"]
        secret = CustomField(name="Internal score", field_type="numtext", public=False, position=3)
        everyone = CustomField(name="Customer ID", field_type="text", always_visible=True, position=4)
        db.session.add_all([order, model, secret, everyone])
        db.session.flush()
        billing = Category(name="Billing", field_links=[CategoryField(field=order, position=0)], has_field_list=True)
        hardware = Category(name="Hardware", field_links=[CategoryField(field=model, position=0),
                                                          CategoryField(field=secret, position=1)],
                            has_field_list=True)
        internal = Category(name="Internal", public_submit=False)
        db.session.add_all([billing, hardware, internal])
        db.session.commit()
        return {"order": order.id, "model": model.id, "secret": secret.id, "everyone": everyone.id,
                "billing": billing.id, "hardware": hardware.id, "internal": internal.id}


def open_request(app, **overrides) -> tuple[int, str]:
    """A request as a customer would open it: (id, access key)."""
    values = dict(first_name="Ana", last_name="Lopez", email="ana@example.org", title="Printer on fire",
                  note="It smokes when I print.")
    values.update(overrides)
    with app.test_request_context():
        req = create_request(RequestInput(**values), check_spam=False, notify_customer=False)
        db.session.commit()
        return req.id, req.access_key


def form_data(app, **overrides) -> dict:
    data = {"first_name": "Ana", "last_name": "Lopez", "email": "Ana@Example.org", "phone": "555-0100",
            "title": "Refund for order", "category": "", "note": "I was charged twice for one order."}
    data.update(human(app))
    data.update(overrides)
    return data


def only_request(app) -> Request | None:
    rows = db.session.execute(db.select(Request)).scalars().all()
    assert len(rows) <= 1
    return rows[0] if rows else None


# --- the form --------------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(app):
    return make_catalogue(app)


def test_form_shows_public_categories_and_their_fields_marked_by_category(client, catalogue):
    html = client.get("/requests/new").get_data(as_text=True)
    assert "<title>Submit a request" in html
    assert f'<option value="{catalogue["billing"]}">Billing</option>' in html
    assert "Internal</option>" not in html  # not a public category
    assert f'name="Custom{catalogue["order"]}"' in html
    assert f'data-categories="{catalogue["billing"]}" data-required="1"' in html
    assert "Required for Billing." in html
    assert f'name="Custom{catalogue["secret"]}"' not in html  # staff-only field
    assert 'data-always="1"' in html  # the field every request uses
    assert 'name="website_url"' in html and 'name="form_token"' in html
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and "multiple" in html
    assert "js/request-form.js" in html


def test_form_can_be_prefilled_from_a_link(client):
    html = client.get("/requests/new?email=kim%40example.com&title=Help+with+sync").get_data(as_text=True)
    assert 'value="kim@example.com"' in html and 'value="Help with sync"' in html


def test_subject_field_follows_the_allow_subject_setting(app, client):
    with app.app_context():
        settings.set_value("allow_subject", False)
        db.session.commit()
    assert 'name="title"' not in client.get("/requests/new").get_data(as_text=True)
    response = client.post("/requests/new", data=form_data(app, title="Ignored subject"))
    assert response.status_code == 302
    with app.app_context():
        assert only_request(app).title == ""


def test_uploads_can_be_switched_off(app, client):
    with app.app_context():
        settings.set_value("allow_uploads", False)
        db.session.commit()
    assert 'type="file"' not in client.get("/requests/new").get_data(as_text=True)
    data = form_data(app, attachments=(io.BytesIO(b"x"), "a.txt"))
    assert client.post("/requests/new", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        assert only_request(app).notes[0].attachments == []


# --- a valid request -------------------------------------------------------------------------------------

def test_valid_request_is_saved_with_custom_field_and_files_then_shows_the_key(app, client, catalogue):
    data = form_data(app, category=str(catalogue["billing"]), urgent="1",
                     **{f"Custom{catalogue['order']}": "10452", f"Custom{catalogue['everyone']}": "C-9",
                        f"Custom{catalogue['model']}": "X100"})  # Model is Hardware's: ignored
    data["attachments"] = [(io.BytesIO(b"%PDF-1.4 invoice"), "invoice.pdf"), (io.BytesIO(b"log"), "app.log")]
    response = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    key = KEY_URL.search(response.headers["Location"]).group(1)
    with app.app_context():
        req = only_request(app)
        assert req.access_key == key
        assert (req.first_name, req.email, req.phone, req.urgent) == ("Ana", "ana@example.org", "555-0100", True)
        assert req.category_id == catalogue["billing"] and req.opened_via == 7
        values = {value.field_id: value.value for value in req.field_values}
        assert values == {catalogue["order"]: "10452", catalogue["everyone"]: "C-9"}
        note = req.notes[0]
        assert note.is_public and note.body == "I was charged twice for one order."
        assert sorted(a.filename for a in note.attachments) == ["app.log", "invoice.pdf"]
    page = client.get(f"/requests/{key}").get_data(as_text=True)
    assert f"Your access key is {key}" in page  # the flash
    assert "invoice.pdf" in page


def test_every_problem_is_shown_next_to_its_field_and_nothing_typed_is_lost(app, client, catalogue):
    data = form_data(app, first_name="", email="not-an-email", note="Still typed text",
                     category=str(catalogue["billing"]), **{f"Custom{catalogue['model']}": "X200"})
    data["attachments"] = (io.BytesIO(b"data"), "photo.png")
    response = client.post("/requests/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="first_name-errors"' in html and "This field is required" in html
    assert 'id="email-errors"' in html and "This is not a valid email address." in html
    assert "not-an-email is not" not in html  # the reason never echoes the input
    assert f'id="Custom{catalogue["order"]}-errors"' in html and "Please fill in Order number" in html
    assert 'aria-invalid="true"' in html and 'class="form-summary"' in html
    assert "Still typed text</textarea>" in html and 'value="not-an-email"' in html
    assert '<option value="X200" selected>' in html  # kept even for a field of another category
    assert f'<option value="{catalogue["billing"]}" selected>' in html
    assert "please choose your attachments again" in html  # file inputs cannot be refilled
    with app.app_context():
        assert only_request(app) is None


@pytest.mark.parametrize("bad, reason", [
    ({"note": "   "}, "You must have a note to create a request"),
    ({"category": "999"}, "Please choose one of the listed categories."),
    ({"email": ""}, "This field is required"),
])
def test_each_invalid_post_is_refused_with_its_reason(app, client, catalogue, bad, reason):
    response = client.post("/requests/new", data=form_data(app, **bad))
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    with app.app_context():
        assert only_request(app) is None


def test_a_category_not_open_to_customers_is_refused(app, client, catalogue):
    response = client.post("/requests/new", data=form_data(app, category=str(catalogue["internal"])))
    assert response.status_code == 400
    assert "Please choose one of the listed categories." in response.get_data(as_text=True)


def test_a_wrong_custom_value_is_explained(app, client, catalogue):
    data = form_data(app, category=str(catalogue["billing"]), **{f"Custom{catalogue['order']}": "ten"})
    response = client.post("/requests/new", data=data)
    assert response.status_code == 400
    assert "Order number must be a whole number." in response.get_data(as_text=True)


def test_blocked_and_oversized_files_are_refused(app, client):
    with app.app_context():
        settings.set_value("max_upload_mb", 1)
        db.session.commit()
    data = form_data(app)
    data["attachments"] = [FileStorage(io.BytesIO(b"MZ"), "setup.exe"),
                           FileStorage(io.BytesIO(b"x" * 1_200_000), "huge.bin")]
    # Encoded in memory: the test client would spool this large body to a temporary file it never closes.
    body, _, boundary = stream_encode_multipart(data, use_tempfile=False)
    response = client.post("/requests/new", data=body.getvalue(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Files of type .exe are not accepted." in html and "huge.bin is larger than 1 MB." in html
    assert 'id="attachments-errors"' in html
    assert "I was charged twice for one order.</textarea>" in html
    with app.app_context():
        assert only_request(app) is None


# --- bots and spam ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("guard", [
    {spam.HONEYPOT_FIELD: "http://spam.example"},  # the honeypot was filled in
    "too-fast",
    "too-old",
    {"form_token": "forged"},
])
def test_bot_guard_refuses_but_keeps_the_text(app, client, guard):
    data = form_data(app)
    if guard == "too-fast":
        data.update(human(app, age=0))
    elif guard == "too-old":
        data.update(human(app, age=5000))
    else:
        data.update(guard)
    response = client.post("/requests/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not tell that a person sent this form" in html
    assert "I was charged twice for one order.</textarea>" in html and 'value="Refund for order"' in html
    new_token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    with app.test_request_context():  # a fresh timestamp to send the form again with
        issued, _nonce = spam._serializer().loads(new_token)  # a token is [second, nonce]
        assert abs(issued - time.time()) < 5
    with app.app_context():
        assert only_request(app) is None


def test_many_links_keep_the_request_as_spam(app, client):
    links = " ".join(f"http://cheap{n}.example" for n in range(5))
    response = client.post("/requests/new", data=form_data(app, note=f"Buy now {links}"))
    assert response.status_code == 302  # the sender is not told, but staff see it in the Spam folder
    with app.app_context():
        assert only_request(app).status_id == STATUS_SPAM


def test_suggestions_panel_points_at_the_deflection_endpoint(app, client):
    """The panel beside the form (tests/deflection covers what it shows and counts)."""
    html = client.get("/requests/new").get_data(as_text=True)
    assert 'id="suggestions"' in html and 'data-suggest-url="/help/suggest"' in html
