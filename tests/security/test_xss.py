"""Every payload of the corpus comes out inert from the text helpers, the services that store user text
and the templates that show it; template syntax is never evaluated."""
import pytest
from flask import render_template_string

from portal import settings
from portal.extensions import db
from portal.forums.models import Forum
from portal.forums.services import PostInput, create_post, create_topic
from portal.kb.models import Book, Chapter, Page
from portal.requests.models import CustomField
from portal.requests.services import RequestInput, create_request
from portal.text import clean_html, note_html, page_html, plain_to_html
from tests.security.payloads import PAYLOADS, TEMPLATE_RESULTS, assert_inert, assert_not_evaluated, problems

ACTIVE = [p for p in PAYLOADS if problems(p)]


def check(html: str, payload: str, *, page: bool = False) -> None:
    assert_inert(html, page=page)
    assert_not_evaluated(html, payload)


def test_the_corpus_is_broad_and_the_checker_catches_it_raw():
    assert len(PAYLOADS) >= 50 and len(set(PAYLOADS)) == len(PAYLOADS)
    # Most payloads are active when pasted raw: proof that assert_inert can fail.
    assert len(ACTIVE) >= 55
    with pytest.raises(AssertionError):
        assert_inert("<p>fine</p><img src=x onerror=alert(1)>")
    with pytest.raises(AssertionError):
        assert_not_evaluated("<p>49</p>", "{{7*7}}")
    assert_inert("<p><a href=\"https://ok.example\">ok</a> <img src=\"data:image/png;base64,AAAA\"></p>")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_helpers_make_every_payload_inert(payload):
    for html in (clean_html(payload), plain_to_html(payload), note_html(payload, True), note_html(payload, False),
                 page_html(payload)):
        check(str(html), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_autoescape_renders_names_as_text(ctx, payload):
    html = render_template_string("<h1>{{ name }}</h1><p title=\"{{ name }}\">{{ name }}</p>", name=payload)
    check(html, payload)
    assert html.count("<p") == 1 and html.count("<h1>") == 1


def test_template_syntax_in_user_text_is_never_evaluated(ctx):
    for payload in TEMPLATE_RESULTS:
        for html in (render_template_string("{{ v }}", v=payload), clean_html(payload), plain_to_html(payload)):
            assert_not_evaluated(html, payload)
            assert "{" in html or "&#123;" in html  # kept as the literal text


NOTE_TEMPLATE = ("<h2>{{ req.title }}</h2><p>{{ req.first_name }} {{ req.last_name }} &lt;{{ req.email }}&gt;</p>"
                 "{% for note in req.notes %}<div>{{ note.body|note_html(note.is_html) }}</div>"
                 "{% for a in note.attachments %}<a href=\"/f/{{ a.id }}\">{{ a.filename }}</a>{% endfor %}{% endfor %}"
                 "{% for fv in req.field_values %}<dd>{{ fv.value }}</dd>{% endfor %}")


@pytest.mark.parametrize("is_html", [False, True])
def test_request_notes_names_and_custom_fields_render_inert(ctx, is_html):
    from portal.files import Upload

    field = CustomField(name="Order reference", field_type="lrgtext", public=True, always_visible=True)
    db.session.add(field)
    db.session.flush()
    for payload in PAYLOADS:
        req = create_request(RequestInput(note=payload, first_name=payload[:40], last_name=payload[-40:],
                                          title=payload, note_is_html=is_html, phone="555",
                                          custom={field.id: payload}),
                             [Upload(payload[:60] + ".txt", b"x")], check_spam=False)
        db.session.flush()
        if is_html:
            check(req.initial_note.body, payload)  # cleaned on write
        html = render_template_string(NOTE_TEMPLATE, req=req)
        check(html, payload)
        assert req.field_values[0].value == payload.strip()  # stored as typed, escaped on output


@pytest.mark.parametrize("as_html,staff", [(False, False), (True, False), (False, True)])
def test_forum_posts_are_stored_inert(ctx, make_staff, as_html, staff):
    from portal.accounts.models import Staff

    moderator = db.session.get(Staff, make_staff("mod@example.com", role="moderator")) if staff else None
    forum = Forum(name="General")
    db.session.add(forum)
    db.session.flush()
    topic, first = create_topic(forum, PostInput(body="First", name="Sam", title="Hello"), staff=moderator)
    for payload in PAYLOADS:
        post = create_post(topic, PostInput(body=payload, name=payload[:50], body_is_html=as_html),
                           staff=moderator)
        check(post.body, payload)
        check(render_template_string("<b>{{ post.name }}</b><div>{{ post.body|safe }}</div>", post=post), payload)
        new_topic, opening = create_topic(forum, PostInput(body=payload, name="Sam", title=payload,
                                                           body_is_html=as_html), staff=moderator)
        check(opening.body, payload)


def test_kb_page_bodies_render_inert_even_if_stored_raw(ctx):
    # KB bodies are cleaned on write by the editor's service; page_html cleans again on read, so a body
    # that reached the database another way (an import, an old HelpSpot dump) is still inert.
    book = Book(name="Guide")
    chapter = Chapter(book=book, name="Start")
    db.session.add_all([book, chapter])
    for payload in PAYLOADS:
        page = Page(chapter=chapter, name=payload[:255], body=payload)
        db.session.add(page)
        db.session.flush()
        html = render_template_string("<h1>{{ page.name }}</h1>{{ page.body|page_html }}", page=page)
        check(html, payload)


def test_welcome_message_setting_is_cleaned_on_write(ctx):
    for payload in ACTIVE:
        stored = settings.set_value("welcome_message", payload)
        assert_inert(stored)


def test_home_page_with_every_payload_in_titles_and_names_is_inert(app, client):
    # The home page lists 10 highlighted pages and the 10 latest topics: show the corpus 10 at a time.
    with app.app_context():
        book = Book(name=PAYLOADS[0])
        chapter = Chapter(book=book, name="Start")
        forum = Forum(name="General")
        db.session.add_all([book, chapter, forum])
        settings.set_value("welcome_message", "<p>Hi</p><script>alert('XSS')</script>{{7*7}}")
        db.session.commit()
    for start in range(0, len(PAYLOADS), 10):
        batch = PAYLOADS[start:start + 10]
        with app.app_context():
            db.session.execute(db.update(Page).values(highlight=False))
            chapter = db.session.scalar(db.select(Chapter))
            forum = db.session.scalar(db.select(Forum))
            for payload in batch:
                db.session.add(Page(chapter=chapter, name=payload[:255], body=payload, highlight=True))
                create_topic(forum, PostInput(body=payload, name="Sam", title=payload))
            db.session.commit()
        html = client.get("/").get_data(as_text=True)
        assert_inert(html, page=True)
        for payload in batch:
            assert_not_evaluated(html, payload)
        assert html.count("<li>") >= 2 * len(batch)  # the payloads really were on the page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_api_style_xml_and_json_replies_carry_payloads_as_text(payload):
    # What the API's XML and JSON writers must do: escape, never splice. Checked here on the standard
    # library writers the helpers expect; the lead runs the same helpers on the API's real replies.
    import json
    from xml.etree import ElementTree

    from tests.security.payloads import assert_json_carries, assert_xml_carries

    root = ElementTree.Element("request")
    ElementTree.SubElement(root, "tNote").text = payload
    ElementTree.SubElement(root, "sFirstName").text = payload[:40]
    assert_xml_carries(ElementTree.tostring(root, encoding="unicode"), payload)
    assert_json_carries(json.dumps({"request": {"tNote": payload}}), payload)


def test_xml_and_json_helpers_fail_on_spliced_payloads():
    from tests.security.payloads import assert_json_carries, assert_xml_carries

    with pytest.raises(Exception):  # noqa: B017  (a parse error or a failed assertion: either refuses it)
        assert_xml_carries("<request><tNote><script>alert(1)</script></tNote></request>", "<script>alert(1)</script>")
    with pytest.raises(Exception):  # noqa: B017
        assert_xml_carries("<request><tNote>a & b</tNote></request>", "a & b")  # not well-formed
    with pytest.raises(Exception):  # noqa: B017
        assert_json_carries('{"tNote": "x"}"<script>', "<script>")
    with pytest.raises(AssertionError):
        assert_json_carries('{"tNote": "49"}', "{{7*7}}")
