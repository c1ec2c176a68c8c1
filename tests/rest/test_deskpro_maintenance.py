"""DeskPRO v2 while the ``maintenance_mode`` setting is on: 423 for every call, public ones included."""
from portal import settings
from portal.extensions import db


def set_maintenance(app, on: bool):
    with app.app_context():
        settings.set_value("maintenance_mode", on)
        db.session.commit()


def test_off_by_default(app):
    with app.app_context():
        assert settings.get("maintenance_mode") is False


def test_423_while_on_and_back_when_off(app, deskpro):
    set_maintenance(app, True)
    for verb, path in (("GET", "me"), ("GET", "helpdesk/discover"), ("POST", "tickets"), ("GET", "tickets"),
                       ("POST", "api_tokens")):
        response = deskpro(verb, path, body={})
        assert response.status_code == 423, path
        body = response.get_json()
        assert body["status"] == 423 and body["code"] == "helpdesk_offline" and body["message"]
    assert deskpro.get("me", key=None).status_code == 423  # before any key is checked
    set_maintenance(app, False)
    assert deskpro.get("me").status_code == 200
