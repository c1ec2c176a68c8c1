"""API test helpers: the public API switched on, a caller that sends parameters in the query string,
the body (urlencoded or multipart) or split between them, parsers for the three formats, and builders
for the rows the methods read."""
import base64
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from portal import settings
from portal.extensions import db


@pytest.fixture(autouse=True)
def public_api_on(app):
    with app.app_context():
        settings.set_value("public_api", True)
        db.session.commit()


def set_setting(app, key, value):
    with app.app_context():
        settings.set_value(key, value)
        db.session.commit()


class Api:
    """``call("kb.get", xBook=1, output="json", via="body")``: via is query, body, multipart or both."""

    def __init__(self, client):
        self.client = client

    def call(self, method, via="query", http="GET", headers=None, path="/api/index.php", **params):
        params = {"method": method, **{k: str(v) for k, v in params.items()}}
        if via == "query":
            return self.client.open(path, method=http, query_string=params, headers=headers)
        if via == "both":  # method and output in the query string, the rest in the body
            query = {k: params.pop(k) for k in ("method", "output") if k in params}
            return self.client.post(path, query_string=query, data=params, headers=headers)
        content_type = "multipart/form-data" if via == "multipart" else "application/x-www-form-urlencoded"
        return self.client.post(path, data=params, content_type=content_type, headers=headers)

    def xml(self, method, **params):
        response = self.call(method, **params)
        return response, ET.fromstring(response.data)

    def json(self, method, **params):
        response = self.call(method, output="json", **params)
        return response, response.get_json(force=True)


@pytest.fixture
def api(client):
    return Api(client)


def error_ids(root):
    return [int(e.findtext("id")) for e in root.findall("error")]


def basic(email, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}


# --- a tiny PHP unserialize, to check the php output round-trips -------------------------------

def php_unserialize(text: str):
    data = text.encode("utf-8")
    value, end = _php_value(data, 0)
    assert end == len(data), "trailing data after the serialized value"
    return value


def _php_value(data: bytes, i: int):
    kind = chr(data[i])
    if kind == "N":
        return None, i + 2
    if kind in "bid":
        end = data.index(b";", i)
        raw = data[i + 2:end].decode()
        return {"b": lambda r: r == "1", "i": int, "d": float}[kind](raw), end + 1
    if kind == "s":
        colon = data.index(b":", i + 2)
        length = int(data[i + 2:colon])
        start = colon + 2
        assert data[start + length:start + length + 2] == b'";'
        return data[start:start + length].decode("utf-8"), start + length + 2
    if kind == "a":
        colon = data.index(b":", i + 2)
        count = int(data[i + 2:colon])
        i = colon + 2
        result = {}
        for _ in range(count):
            key, i = _php_value(data, i)
            result[key], i = _php_value(data, i)
        assert data[i:i + 1] == b"}"
        return result, i + 1
    raise AssertionError(f"unknown PHP type {kind!r} at {i}")


# --- builders -----------------------------------------------------------------------------------

@pytest.fixture
def build(app):
    return Builder(app)


class Builder:
    """Rows for the methods to read, committed, returning ids (sessions close between calls)."""

    def __init__(self, app):
        self.app = app

    def _save(self, *objects):
        with self.app.app_context():
            for obj in objects:
                db.session.add(obj)
            db.session.commit()
            return [obj.id for obj in objects]

    def field(self, **kw):
        from portal.requests.models import CustomField

        items = kw.pop("list_items", None)
        field = CustomField(**{"name": "Office", "field_type": "text", **kw})
        if items is not None:
            field.list_items = items
        return self._save(field)[0]

    def category(self, name="Usage Question", field_ids=None, **kw):
        from portal.requests.models import Category, CategoryField

        with self.app.app_context():
            cat = Category(name=name, has_field_list=field_ids is not None, **kw)
            db.session.add(cat)
            db.session.flush()
            for position, fid in enumerate(field_ids or []):
                db.session.add(CategoryField(category_id=cat.id, field_id=fid, position=position))
            db.session.commit()
            return cat.id

    def request(self, note="This is the request.", uploads=(), **kw):
        from portal.requests import services

        with self.app.test_request_context():
            data = services.RequestInput(note=note, **{"email": "tsmith@companyco.com", **kw})
            req = services.create_request(data, uploads, check_spam=False)
            db.session.commit()
            return req.id, req.access_key

    def customer(self, email="tsmith@companyco.com", password="nusoxdln"):
        from portal.accounts.services import set_customer_password

        with self.app.app_context():
            set_customer_password(email, password)  # a confirmed account
            db.session.commit()

    def book(self, name="Product Manual", **kw):
        from portal.kb.models import Book

        return self._save(Book(name=name, **kw))[0]

    def chapter(self, book_id, name="Getting Started", **kw):
        from portal.kb.models import Chapter

        return self._save(Chapter(book_id=book_id, name=name, **kw))[0]

    def page(self, chapter_id, name="Clean Upgrade", body="<p>This is the HTML body of the page.</p>",
             tags=(), related=(), **kw):
        from portal.kb.models import Page, Tag

        with self.app.app_context():
            page = Page(chapter_id=chapter_id, name=name, body=body, **kw)
            for tag_name in tags:
                tag = db.session.execute(db.select(Tag).where(Tag.name == tag_name)).scalar_one_or_none()
                page.tags.append(tag or Tag(name=tag_name))
            for other in related:
                page.related.append(db.session.get(Page, other))
            db.session.add(page)
            db.session.commit()
            return page.id

    def forum(self, name="Product Beta", description="Discuss questions, bugs, ideas and more", **kw):
        from portal.forums.models import Forum

        return self._save(Forum(name=name, description=description, **kw))[0]

    def topic(self, forum_id, title="How do I get started with installation", name="Bob Smith",
              body="This is my post.", when=None, **kw):
        from portal.forums.models import Post, Topic

        when = when or datetime(2007, 9, 18, 2, 7, 23)
        with self.app.app_context():
            topic = Topic(forum_id=forum_id, title=title, starter_name=name, posted_at=when, last_post_at=when,
                          post_count=1, **kw)
            db.session.add(topic)
            db.session.add(Post(topic=topic, name=name, body=body, posted_at=when))
            db.session.commit()
            return topic.id


def strip_declaration(text: str) -> str:
    return re.sub(r"^<\?xml[^>]*>\n?", "", text)
