"""Rules settled after merging the branches: the login switch covers the request form, small upload
limits are reported in KB, and a customer password typed with stray spaces still matches a trimmed one."""
import pytest

from portal import files, settings
from portal.accounts import services as accounts
from portal.errors import ValidationFailed
from portal.extensions import db


def test_require_login_covers_the_request_form_but_not_access_keys(app, client):
    with app.app_context():
        settings.set_value("require_login", True)
        db.session.commit()
    response = client.get("/requests/new")
    assert response.status_code == 302 and "/account/login?next=/requests/new" in response.headers["Location"]
    assert client.get("/requests/check").status_code == 200  # a key still opens its request


def test_small_upload_limits_are_reported_in_kilobytes(ctx, app):
    app.config["MAX_UPLOAD_BYTES"] = 500_000
    with pytest.raises(ValidationFailed, match="larger than 500 KB"):
        files.check_upload(files.Upload("big.bin", b"x" * 500_001))
    assert files.human_size(1_500_000) == "1.5 MB" and files.human_size(12) == "12 bytes"


def test_passwords_are_exact_but_api_trimmed_ones_still_match(ctx):
    _, link = accounts.start_registration("pad@example.com")  # a password chosen on the portal is kept exact
    accounts.finish_password_reset(link, " spaced pass ", " spaced pass ")
    assert accounts.authenticate_customer("pad@example.com", " spaced pass ") is not None
    accounts.set_customer_password("api@example.com", "  trimmed by api  ")
    assert accounts.authenticate_customer("api@example.com", "  trimmed by api  ") is not None
    assert accounts.authenticate_customer("api@example.com", "trimmed by api") is not None
    assert accounts.authenticate_customer("api@example.com", "trimmed") is None
