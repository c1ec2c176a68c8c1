"""The "require login" setting: the request form asks for a login first, but an access key still opens
its request."""
from portal import settings
from portal.extensions import db


def test_require_login_covers_the_request_form_but_not_access_keys(app, client):
    with app.app_context():
        settings.set_value("require_login", True)
        db.session.commit()
    response = client.get("/requests/new")
    assert response.status_code == 302 and "/account/login?next=/requests/new" in response.headers["Location"]
    assert client.get("/requests/check").status_code == 200  # a key still opens its request
