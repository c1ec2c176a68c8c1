"""The address stored with a forum post is the caller's real one, never a caller-chosen
``sIP``, and a known-user label that belongs to a staff member is shown only on that staff member's posts.

Known-user labels match a poster by name and address; with ``sIP`` chosen by the caller, anyone could post
as "Sam Lee" from Sam's address and wear Sam's "Help Desk Team Member" label."""
import pytest

from portal.extensions import db
from portal.forums import services
from portal.forums.models import KnownUser, Post
from tests.api.conftest import Api, Builder, set_setting

STAFF_ADDRESS = "192.0.2.11"


@pytest.fixture
def api(app, client):
    set_setting(app, "public_api", True)
    return Api(client)


@pytest.fixture
def topic_id(app):
    builder = Builder(app)
    return builder.topic(builder.forum())


def label_known_user(app, *, staff_id=None, ip=STAFF_ADDRESS) -> None:
    with app.app_context():
        db.session.add(KnownUser(name="Sam Lee", ip=ip, label="Help Desk Team Member", staff_id=staff_id))
        db.session.commit()


def test_sip_is_not_stored_the_callers_address_is(api, app, topic_id):
    response, body = api.json("forums.createPost", via="body", xTopicId=topic_id, tPost="Hi", sName="Sam Lee",
                              sIP=STAFF_ADDRESS)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Post, int(body["xPostId"])).ip == "127.0.0.1"


def test_a_caller_cannot_wear_a_label_by_naming_its_address(api, app, topic_id):
    label_known_user(app)
    api.json("forums.createPost", via="body", xTopicId=topic_id, tPost="Trust me", sName="Sam Lee",
             sIP=STAFF_ADDRESS)
    response, body = api.json("forums.getPosts", xTopicId=topic_id)
    assert [post["sLabel"] for post in body["post"]] == ["", ""]


def test_a_staff_label_is_shown_on_that_staff_members_posts_only(ctx, app, make_staff, topic_id):
    from portal.accounts.models import Staff
    from portal.forums.models import Topic

    sam = db.session.get(Staff, make_staff(email="sam@example.com", first_name="Sam", last_name="Lee"))
    other = db.session.get(Staff, make_staff(email="kim@example.com"))
    db.session.add(KnownUser(name="Sam Lee", ip=STAFF_ADDRESS, label="Help Desk Team Member", staff_id=sam.id))
    db.session.add(KnownUser(name="Sam Lee", ip=STAFF_ADDRESS, label="Customer"))
    topic = db.session.get(Topic, topic_id)
    same = services.PostInput(body="Answer", name="Sam Lee", ip=STAFF_ADDRESS)
    by_sam = services.create_post(topic, same, staff=sam)
    by_customer = services.create_post(topic, services.PostInput(body="Me too", name="Sam Lee", ip=STAFF_ADDRESS))
    by_other_staff = services.create_post(topic, same, staff=other)
    db.session.commit()
    labels = services.known_labels([by_sam, by_customer, by_other_staff])
    # The customer sharing Sam's name and office address gets the label that names no staff member.
    assert labels == {by_sam.id: "Help Desk Team Member", by_customer.id: "Customer",
                      by_other_staff.id: "Customer"}


def test_a_label_that_names_no_staff_member_still_matches_name_and_address(ctx, topic_id):
    from portal.forums.models import Topic

    db.session.add(KnownUser(name="Sam Lee", ip="10.0.0.1", label="Expert User"))
    topic = db.session.get(Topic, topic_id)
    post = services.create_post(topic, services.PostInput(body="Tip", name="Sam Lee", ip="10.0.0.1"))
    elsewhere = services.create_post(topic, services.PostInput(body="Tip", name="Sam Lee", ip="10.0.0.2"))
    db.session.commit()
    assert services.known_labels([post, elsewhere]) == {post.id: "Expert User"}
