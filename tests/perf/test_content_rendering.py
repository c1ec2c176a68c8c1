"""One large body must not take the site down.

- Rendering for display is linear in the body: the number of operations (Python and C function calls, counted with
  ``sys.setprofile``, never the clock) for twice the text is about twice, and so is the output, for the
  shapes that made bleach/html5lib quadratic.
- A large body stored before the caps (1.5 MB, written straight to the database as old data could be) is
  rendered once, not on every view: two views of it cost one rendering.
The page cache's part (a random query argument) is in test_content_pagecache.py.
"""
import sys

import pytest

from portal import text
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page
from portal.requests import services as requests
from portal.requests.models import Note
from tests.portal_helpers import add_login_route

# Shapes that were quadratic in bleach (html5lib): text in many pieces, deep nesting, many attributes,
# misnested formatting tags re-opened in every later block, dots and dashes for the linkifier.
SHAPES = {
    "escaped code": lambda n: "if (a < b && c > d) { x = y; }\n" * (n // 31),
    "line breaks": lambda n: "<br>" * (n // 4),
    "paragraphs": lambda n: "<p>x</p>" * (n // 8),
    "nesting": lambda n: "<div>" * (n // 5),
    "misnested formatting": lambda n: "".join(f"<p><b class=c{i}></p>" for i in range(n // 18)),
    "attributes": lambda n: "<img " + " ".join(f"a{i}=1" for i in range(n // 8)) + ">",
    "open quotes": lambda n: '<a title="' * (n // 10),
    "dots": lambda n: "a." * (n // 2),
    "links": lambda n: "see https://example.com/a?b=1 or www.example.org, example.com.\n" * (n // 61),
}
RENDERERS = {"inert_html": text.inert_html, "plain_to_html": text.plain_to_html, "strip_tags": text.strip_tags}


def operations(render, body: str) -> int:
    """Python lines run plus Python and C functions called while rendering ``body``: a count of work that
    does not depend on the machine or its load."""
    done = 0

    def called(_frame, event, _arg):
        nonlocal done
        if event == "c_call":
            done += 1

    def traced(_frame, event, _arg):
        nonlocal done
        done += 1  # "call" here, then "line" for each line of the function
        return traced

    sys.setprofile(called)
    sys.settrace(traced)
    try:
        render(body)
    finally:
        sys.settrace(None)
        sys.setprofile(None)
    return done


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_rendering_costs_grow_linearly_with_the_body(shape, renderer):
    render, make = RENDERERS[renderer], SHAPES[shape]
    small, large = make(2_000), make(8_000)
    assert len(large) >= 3.9 * len(small)
    assert operations(render, large) <= 4.4 * operations(render, small) + 200
    assert len(render(large)) <= 4.4 * len(render(small)) + 200


@pytest.fixture
def large_bodies(app):
    """Bodies far over today's caps, stored directly (no service): what a database from before holds."""
    add_login_route(app)
    note_text = "The printer says: paper jam in tray 2, see https://example.com/help?id=42 <please>\n" * 18_100
    assert len(note_text) > 1_500_000
    html = "<p>Step one &amp; two: <b>press</b> the <a href='https://example.com/x'>button</a>.</p>\n" * 2_500
    with app.app_context():
        req = requests.create_request(requests.RequestInput(note="short", email="c@example.com"))
        db.session.add_all([Note(request=req, body=note_text, is_public=True, author_id=0),
                            Note(request=req, body=html, is_html=True, is_public=True, author_id=0)])
        topic = Topic(forum=Forum(name="Help"), title="Jams", starter_name="Ann", post_count=1)
        page = Page(chapter=Chapter(book=Book(name="Guide"), name="Basics"), name="Jams", body=html)
        db.session.add_all([topic, Post(topic=topic, name="Ann", body=html), page])
        db.session.commit()
        return {"request": f"/requests/{req.access_key}", "topic": f"/forums/topics/{topic.id}-jams",
                "page": f"/kb/pages/{page.id}-jams", "staff_request": f"/staff/requests/{req.id}"}


@pytest.fixture
def rendered(monkeypatch):
    """How often each renderer runs on a large body (bleach's old functions, and portal.text's)."""
    import bleach

    counts = {"inert_html": 0, "plain_to_html": 0, "bleach": 0}

    def counting(name, function):
        def wrapper(value, *args, **kwargs):
            counts[name] += len(value or "") > 100_000
            return function(value, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(text, "inert_html", counting("inert_html", text.inert_html))
    monkeypatch.setattr(text, "plain_to_html", counting("plain_to_html", text.plain_to_html))
    monkeypatch.setattr(bleach, "clean", counting("bleach", bleach.clean))
    monkeypatch.setattr(bleach, "linkify", counting("bleach", bleach.linkify))
    return counts


def test_two_views_of_a_large_old_body_render_it_once(app, large_bodies, rendered, make_staff):
    app.config["PAGE_CACHE_ENTRIES"] = 0  # every view renders its page: only the bodies may be remembered
    staff = app.test_client()
    staff.get(f"/_test/login/staff/{make_staff(role='administrator')}")
    for _ in range(2):
        for client, path in ((app.test_client(), large_bodies["request"]), (staff, large_bodies["staff_request"]),
                             (app.test_client(), large_bodies["topic"]), (app.test_client(), large_bodies["page"])):
            response = client.get(path)
            assert response.status_code == 200
            assert "paper jam in tray 2" in response.get_data(as_text=True) or "press" in response.get_data(as_text=True)
    # The plain note is linked once; the same HTML (a note, a post, a page: cleaned the same way) once per kind.
    assert rendered["plain_to_html"] == 1
    assert rendered["inert_html"] <= 2  # the note and post as notes, the page as a page
    assert rendered["bleach"] == 0
