"""``request.get`` and ``request.update`` follow ``closed_visible_days`` as the request page does.

A request closed longer ago than the setting allows is hidden from whoever holds its access key: the portal
page shows "closed" and takes no update; through the API it answers like an unknown key (102 for get, 210
for update), and nothing is written: no history shown, no note added, not reopened."""
from datetime import timedelta

import pytest

from portal.dates import utcnow
from portal.extensions import db
from portal.requests.models import Note, Request
from tests.api.conftest import Api, Builder, set_setting


@pytest.fixture
def api(app, client):
    set_setting(app, "public_api", True)
    set_setting(app, "closed_visible_days", 2)
    return Api(client)


def closed_request(app, days_ago: float) -> tuple[int, str]:
    request_id, key = Builder(app).request(note="Secret history of the request.")
    with app.app_context():
        req = db.session.get(Request, request_id)
        req.is_open, req.status_id, req.closed_at = False, 3, utcnow() - timedelta(days=days_ago)
        db.session.commit()
    return request_id, key


def note_count(app, request_id: int) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Note.id)).where(Note.request_id == request_id))


@pytest.mark.parametrize("output", ["xml", "json"])
def test_get_of_a_long_closed_request_is_an_unknown_key(api, app, output):
    _, key = closed_request(app, days_ago=3)
    response = api.call("request.get", output=output, accesskey=key)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Secret history" not in body and "102" in body
    # The same reply as a key that is not on file: the API does not confirm the request exists.
    assert body == api.call("request.get", output=output, accesskey=key[:-1] + "x").get_data(as_text=True)


def test_update_of_a_long_closed_request_is_refused_and_writes_nothing(api, app):
    request_id, key = closed_request(app, days_ago=3)
    before = note_count(app, request_id)
    response, body = api.json("request.update", via="body", accesskey=key, tNote="Reopen please")
    assert response.status_code == 400 and [e["id"] for e in body["error"]] == [210]
    with app.app_context():
        assert not db.session.get(Request, request_id).is_open
    assert note_count(app, request_id) == before


def test_a_recently_closed_request_is_still_shown_and_updated(api, app):
    request_id, key = closed_request(app, days_ago=1)
    response, body = api.json("request.get", accesskey=key)
    assert response.status_code == 200 and body["xRequest"] == str(request_id)
    response, body = api.json("request.update", via="body", accesskey=key, tNote="One more thing")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Request, request_id).is_open


def test_zero_days_hides_a_closed_request_at_once(api, app):
    set_setting(app, "closed_visible_days", 0)
    _, key = closed_request(app, days_ago=0.01)
    assert api.call("request.get", accesskey=key).status_code == 400
