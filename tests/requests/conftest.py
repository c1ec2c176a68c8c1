import pytest

from portal.extensions import db
from portal.requests.models import Category, CategoryField, CustomField


@pytest.fixture
def catalogue(ctx):
    """A public category with a required select field, a public numeric field, a private field
    and an always-visible text field; plus a category that is not open to the public."""
    system = CustomField(name="Operating system", field_type="select", required=True, position=1)
    system.list_items = ["Windows", "Linux"]
    order = CustomField(name="Order number", field_type="numtext", position=2)
    secret = CustomField(name="Internal score", field_type="numtext", public=False, required=True, position=3)
    office = CustomField(name="Office", field_type="text", always_visible=True, text_size=10, position=0)
    when = CustomField(name="Purchase date", field_type="date", position=4)
    db.session.add_all([system, order, secret, office, when])
    db.session.flush()
    support = Category(name="Support", has_field_list=True)
    support.field_links = [CategoryField(field=system, position=0), CategoryField(field=order, position=1),
                           CategoryField(field=secret, position=2), CategoryField(field=when, position=3)]
    internal = Category(name="Internal", public_submit=False)
    db.session.add_all([support, internal])
    db.session.commit()
    return {"support": support, "internal": internal, "system": system, "order": order, "secret": secret,
            "office": office, "when": when}
