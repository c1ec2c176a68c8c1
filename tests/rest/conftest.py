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


class HappyFox:
    """A HappyFox 1.1 caller: HTTP Basic with the key's N as user and SECRET as password."""

    def __init__(self, client, key=None):
        self.client, self.key = client, key

    def __call__(self, verb, path, body=None, key=..., headers=None, data=None, **query):
        import base64

        key = self.key if key is ... else key
        sent = dict(headers or {})
        if key is not None:
            user, _, password = key.partition(":")
            sent.setdefault("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        if data is None and body is not None:
            data, sent["Content-Type"] = json.dumps(body), "application/json"
        return self.client.open(f"/api/1.1/json/{path.lstrip('/')}", method=verb, data=data, headers=sent,
                                query_string=query)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self("POST", path, body, **kw)


@pytest.fixture
def happyfox(client, make_key):
    return HappyFox(client, make_key())
