"""The forum topic and request pages read plain rows (issue 17): what they show must stay what the ORM reads
showed. Labels follow known_labels' rule, pages count visible posts only, the post form's shared blank
fields never carry one visitor's values, and a request's notes keep their files and authors."""
import re

from portal import settings
from portal.extensions import db
from portal.forums import services as forums
from portal.forums.models import KnownUser
from tests import factories
from tests.portal_helpers import add_login_route


def labels_shown(html: str) -> dict[int, str]:
    return {int(post_id): label for post_id, label in re.findall(
        r'id="post-(\d+)-author".*?</span>\s*(?:<span class="badge badge-staff">[^<]*</span>\s*)?'
        r'(?:<span class="badge badge-label">([^<]*)</span>)?\s*<a class="post-date"', html, re.S)}


def test_topic_page_labels_follow_known_labels_rule(app, client):
    with app.app_context():
        agent, other_agent = factories.staff(), factories.staff(email="other@example.com")
        topic = factories.topic(factories.forum(), title="Labels", name="Ann")
        mac = factories.post(topic, name="Kim", ip="10.0.0.1", os="Mac")
        linux = factories.post(topic, name="Kim", ip="10.0.0.1", os="Linux")
        own = factories.post(topic, name="Sam", ip="10.0.0.1", os="Mac", staff_id=agent.id)
        elsewhere = factories.post(topic, name="Kim", ip="10.9.9.9", os="Mac")
        db.session.add_all([
            KnownUser(name="Kim", ip="10.0.0.1", os="", label="Regular"),
            KnownUser(name="Kim", ip="10.0.0.1", os="Linux", label="Linux regular"),
            KnownUser(name="Sam", ip="10.0.0.1", os="Mac", label="Not this agent", staff_id=other_agent.id),
            KnownUser(name="Sam", ip="10.0.0.1", os="Mac", label="Shared, same OS"),
            KnownUser(name="Sam", ip="10.0.0.1", os="Linux", label="Agent Sam", staff_id=agent.id),
        ])
        topic.post_count = 5
        db.session.commit()
        expected = {mac.id: "Regular", linux.id: "Linux regular", own.id: "Agent Sam"}
        assert forums.known_labels([mac, linux, own, elsewhere]) == expected
        topic_id = topic.id
    shown = labels_shown(client.get(f"/forums/topics/{topic_id}-labels").get_data(as_text=True))
    assert {post_id: label for post_id, label in shown.items() if label} == expected
    assert len(shown) == 5


def test_topic_pages_count_visible_posts_only(app, client):
    with app.app_context():
        settings.set_value("forum_page_size", 3)
        topic = factories.topic(factories.forum(), title="Long", name="Ann")
        for n in range(8):
            factories.post(topic, name=f"Poster {n}", spam=n % 4 == 3)  # 6 visible replies, 2 held
        topic.post_count = 7
        db.session.commit()
        topic_id = topic.id
    pages = [client.get(f"/forums/topics/{topic_id}-long?page={n}") for n in (1, 2, 3, 4)]
    assert [p.status_code for p in pages] == [200, 200, 200, 404]
    html = [p.get_data(as_text=True) for p in pages[:3]]
    assert [page.count('class="post-author"') for page in html] == [3, 3, 1]
    assert all(f"Page {n} of 3" in page for n, page in enumerate(html, 1))
    assert '<ol class="posts" start="7">' in html[2]
    assert "Poster 3" not in "".join(html) and "Poster 7" not in "".join(html)


def test_blank_post_form_fields_are_shared_by_anonymous_visitors_only(app, client):
    add_login_route(app)
    with app.app_context():
        topic = factories.topic(factories.forum(), title="Form")
        customer = factories.customer("kim@example.com")
        db.session.commit()
        path, customer_id = f"/forums/topics/{topic.id}-form", customer.id
    email_field = re.compile(r'<input id="email" name="email" type="email" value="([^"]*)"')
    assert email_field.search(client.get(path).get_data(as_text=True)).group(1) == ""
    logged_in = app.test_client()
    logged_in.get(f"/_test/login/customer/{customer_id}")
    assert email_field.search(logged_in.get(path).get_data(as_text=True)).group(1) == "kim@example.com"
    assert email_field.search(client.get(path).get_data(as_text=True)).group(1) == ""
    refused = client.post(path, data={"body": "", "name": "Lee", "email": "lee@example.com"})
    assert refused.status_code == 400
    assert email_field.search(refused.get_data(as_text=True)).group(1) == "lee@example.com"
    assert email_field.search(client.get(path).get_data(as_text=True)).group(1) == ""


def test_request_page_notes_keep_their_files_and_authors(app, client):
    from portal.requests.models import Attachment

    with app.app_context():
        agent = factories.staff(first_name="Stella")
        req = factories.request(note="First")
        answer = factories.note(req, body="With files", author_id=agent.id, staff_id=agent.id)
        factories.note(req, body="Unnamed agent", author_id=99)
        factories.note(req, body="Private", public=False, author_id=agent.id, staff_id=agent.id)
        db.session.add_all([Attachment(note_id=answer.id, filename=name, size=10, sha256=name * 8)
                            for name in ("b.txt", "a.txt")])
        db.session.commit()
        key = req.access_key
    html = client.get(f"/requests/{key}").get_data(as_text=True)
    assert "Private" not in html
    notes = re.findall(r'<span class="note-author">([^<]*)</span>.*?<div class="note-body">(.*?)</div>', html, re.S)
    assert [(author, re.sub("<[^>]+>", "", body).strip()) for author, body in notes] == [
        ("Help Desk", "Unnamed agent"), ("Stella", "With files"), ("customer@example.com", "First")]
    assert re.findall(r'>([ab]\.txt)</a>', html) == ["b.txt", "a.txt"]  # by id, as Note.attachments
