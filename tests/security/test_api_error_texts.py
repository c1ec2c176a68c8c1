"""An error text never repeats what the caller typed. Shown on a
page it is escaped, but it still lets anyone put their words in the portal's mouth, and an API reply or a
log line may carry it further."""
import pytest

from portal import settings
from portal.errors import Conflict, ValidationFailed
from portal.extensions import db

TYPED = "<b>typed-by-the-caller</b>"


def test_an_unknown_setting_is_not_named_back(ctx):
    with pytest.raises(ValidationFailed) as caught:
        settings.coerce(TYPED, "1")
    assert "typed-by-the-caller" not in caught.value.message
    assert "Unknown setting" in caught.value.message


def test_a_taken_status_name_is_not_repeated(ctx, make_staff):
    from portal.accounts.models import Staff
    from portal.requests import admin

    staff = db.session.get(Staff, make_staff(role="administrator"))
    admin.save_status(staff, name=TYPED)
    db.session.flush()
    with pytest.raises(Conflict) as caught:
        admin.save_status(staff, name=TYPED.upper())
    assert "typed-by-the-caller" not in caught.value.message.lower()
    assert "already exists" in caught.value.message
