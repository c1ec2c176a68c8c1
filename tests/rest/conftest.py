"""REST test helpers: staff with keys, and a DeskPRO caller sending ``Authorization: key N:SECRET``."""
import json

import pytest

from portal.accounts.models import Staff
from portal.extensions import db


@pytest.fixture
def make_key(app, make_staff):
    """``make_key(email=..., role=..., **options)`` -> "N:SECRET" for a (new or existing) staff member."""
    from portal.apikeys.services import create_key, presented

    def make(email="agent@example.com", role="agent", name="script", **options):
        with app.app_context():
            staff = db.session.execute(db.select(Staff).where(Staff.email == email)).scalar_one_or_none()
            if staff is None:
                staff = db.session.get(Staff, make_staff(email, role=role))
            key, secret = create_key(staff, staff, name, **options)
            db.session.commit()
            return presented(key, secret)
    return make


class DeskPro:
    def __init__(self, client, key=None):
        self.client, self.key = client, key

    def __call__(self, verb, path, body=None, key=..., headers=None, raw=None, **query):
        key = self.key if key is ... else key
        sent = dict(headers or {})
        if key is not None:
            sent.setdefault("Authorization", f"key {key}")
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.client.open(f"/api/v2/{path.lstrip('/')}", method=verb, data=data, headers=sent,
                                query_string=query)

    def get(self, path, **kw):
        return self("GET", path, **kw)


@pytest.fixture
def deskpro(client, make_key):
    return DeskPro(client, make_key())
