"""Webhooks: events emitted by the services become one outbox job per subscribed endpoint, in the change's
transaction; a real HTTP receiver on loopback gets deliveries whose signatures the reference library
(`standardwebhooks`) verifies; failures are logged, retried, and disable an endpoint after a day; targets on
loopback, link-local or private addresses are refused unless the setting allows them."""
import json
import re
from datetime import timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from portal import outbox, settings
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forums.services import PostInput, create_post, create_topic
from portal.kb.editing import PageInput, save_page
from portal.outbox.models import DEAD, DONE, FAILED, Job
from portal.requests.services import RequestInput, add_customer_update, create_request
from portal.requests.workflow import add_staff_note, update_request
from portal.webhooks import services as webhooks
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests import factories
from tests.outbox.receiver import Receiver

SPAM = "buy http://a.test http://b.test http://c.test http://d.test now"


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0, "WEBHOOK_ATTEMPTS": 3, "WEBHOOK_TIMEOUT": 5}


@pytest.fixture
def admin(ctx):
    return factories.staff("admin@example.com", role="administrator")


@pytest.fixture
def allow_loopback(ctx):
    settings.set_value("webhooks_allow_private", True)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _endpoint(admin, url, events):
    endpoint, secret = webhooks.create_endpoint(admin, url, events, "test receiver")
    db.session.commit()
    return endpoint, secret


def _run() -> list[str]:
    """Run the due jobs; the states of the webhook deliveries among them (mails go too)."""
    return [o.state for o in outbox.run_pending() if o.kind == "webhook"]


def _jobs():
    return db.session.scalars(db.select(Job).where(Job.kind == "webhook").order_by(Job.id)).all()


def test_a_new_request_reaches_the_receiver_signed_and_verified(admin, allow_loopback, receiver):
    endpoint, secret = _endpoint(admin, receiver.url, ["request.created", "request.note_added"])
    assert secret.startswith("whsec_")
    req = create_request(RequestInput(note="My printer is on fire", email="tim@example.com"), check_spam=False)
    db.session.commit()
    [job] = _jobs()
    assert job.payload["endpoint_id"] == endpoint.id and job.key.startswith("msg_")
    assert _run() == [DONE]
    [(headers, body)] = receiver.received
    verified = Webhook(secret).verify(body, headers)  # raises WebhookVerificationError on a bad signature
    assert verified["type"] == "request.created"
    assert verified["data"]["request"]["id"] == req.id and verified["data"]["request"]["email"] == "tim@example.com"
    assert headers["webhook-id"] == job.key and headers["content-type"] == "application/json"
    assert "access_key" not in body and req.password not in body
    [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
    assert (delivery.ok, delivery.status_code, delivery.message_id) == (True, 200, job.key)
    assert delivery.response_excerpt == '{"received": true}'
    with pytest.raises(WebhookVerificationError):  # another secret does not verify
        Webhook(webhooks.new_secret()).verify(body, headers)


def test_our_signature_is_the_reference_librarys(app):
    secret = webhooks.new_secret()
    body = json.dumps({"type": "x", "data": {"n": 1}})
    from datetime import datetime
    at = datetime.now()
    expected = Webhook(secret).sign("msg_1", at, body)
    assert webhooks.sign(secret, "msg_1", int(at.timestamp()), body) == expected


def test_each_event_where_the_services_make_the_change(admin, allow_loopback, receiver):
    _endpoint(admin, receiver.url, list(webhooks.EVENTS))
    agent = factories.staff("agent@example.com", role="agent")
    req = create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    add_customer_update(req, "More detail")
    add_staff_note(req, agent, "We are on it", public=True, notify_customer=False)
    update_request(req, agent, status_id=2)  # a status that closes, or not: both events are checked below
    update_request(req, agent, is_open=False)
    chapter = factories.chapter(factories.book(editors=[agent]))  # the agent edits this book
    page = save_page(agent, chapter, PageInput(name="Draft", body="<p>x</p>", hidden=True))
    save_page(agent, chapter, PageInput(name="Draft", body="<p>y</p>"), page)
    save_page(agent, chapter, PageInput(name="Draft", body="<p>z</p>"), page)
    forum = factories.forum()
    topic, _ = create_topic(forum, PostInput(title="Hi", body="First", name="Ann"))
    create_post(topic, PostInput(body="A reply", name="Bob"))
    create_post(topic, PostInput(body=SPAM, name="Spammer"))
    db.session.commit()
    events = [job.payload["event"] for job in _jobs()]
    assert events[:3] == ["request.created", "request.note_added", "request.note_added"]
    assert "request.status_changed" in events and "request.closed" in events
    assert events[-5:] == ["kb.page_published", "kb.page_updated", "forum.topic_created", "forum.post_created",
                           "forum.post_held"]
    assert _run().count(DONE) == len(events)
    types = [json.loads(body)["type"] for _, body in receiver.received]
    assert sorted(types) == sorted(events)


def test_only_active_subscribed_endpoints_get_a_job_and_a_rollback_queues_nothing(admin, allow_loopback, receiver):
    _endpoint(admin, receiver.url, ["forum.topic_created"])
    off, _ = _endpoint(admin, receiver.url, ["request.created"])
    webhooks.set_active(admin, off.id, False)
    db.session.commit()
    create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.commit()
    assert _jobs() == []
    on, _ = _endpoint(admin, receiver.url, ["request.created"])
    create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.rollback()
    assert _jobs() == []
    create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.commit()
    assert [job.payload["endpoint_id"] for job in _jobs()] == [on.id]


def test_a_failing_receiver_is_retried_with_the_same_id_then_dead_and_logged(admin, allow_loopback):
    with Receiver(status=500) as receiver:
        endpoint, secret = _endpoint(admin, receiver.url, ["request.created"])
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        assert _run() == [FAILED]
        assert _run() == [FAILED]
        assert _run() == [DEAD]
        assert _run() == []
    assert len(receiver.received) == 3
    assert len({headers["webhook-id"] for headers, _ in receiver.received}) == 1  # the receiver can drop repeats
    for headers, body in receiver.received:
        Webhook(secret).verify(body, headers)
    [job] = _jobs()
    assert job.state == DEAD and job.last_error.endswith("HTTP 500")
    log = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(d.status_code, d.ok, d.response_excerpt) for d in log] == [(500, False, "receiver broke")] * 3
    db.session.refresh(endpoint)
    assert (endpoint.active, endpoint.consecutive_failures, endpoint.total_failures) == (True, 3, 3)


def test_an_endpoint_failing_for_a_day_is_disabled_and_a_success_clears_its_failures(admin, allow_loopback):
    with Receiver(status=503) as receiver:
        endpoint, _ = _endpoint(admin, receiver.url, ["request.created"])
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        assert _run() == [FAILED]
        db.session.refresh(endpoint)
        assert endpoint.active and endpoint.failing_since is not None
        receiver.status = 200
        assert _run() == [DONE]
        db.session.refresh(endpoint)
        assert (endpoint.failing_since, endpoint.consecutive_failures, endpoint.total_failures) == (None, 0, 1)

        receiver.status = 503
        create_request(RequestInput(note="Again", email="tim@example.com"), check_spam=False)
        db.session.commit()
        assert _run() == [FAILED]
        db.session.refresh(endpoint)
        endpoint.failing_since -= timedelta(hours=25)  # the first failure was more than a day ago
        db.session.commit()
        assert _run() == [FAILED]
        db.session.refresh(endpoint)
        assert not endpoint.active and "Disabled automatically" in endpoint.disabled_reason
        sent = len(receiver.received)
        assert _run() == [DONE]  # nothing is sent to a disabled endpoint
        assert len(receiver.received) == sent
        create_request(RequestInput(note="Third", email="tim@example.com"), check_spam=False)
        db.session.commit()
        assert _run() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook",
                                 "http://169.254.169.254/latest/meta-data", "http://10.0.0.7/hook",
                                 "http://192.168.1.1/hook", "http://[fe80::1]/hook", "http://0.0.0.0/hook"])
def test_loopback_link_local_and_private_targets_are_refused_with_the_setting_off(admin, url):
    with pytest.raises(ValidationFailed) as refused:
        webhooks.create_endpoint(admin, url, ["request.created"])
    assert refused.value.errors[0][0] == "url" and "webhooks_allow_private" in refused.value.errors[0][1]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost",
                                 "http://user:pw@127.0.0.1/"])
def test_other_schemes_and_credentials_are_refused(admin, allow_loopback, url):
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint(admin, url, ["request.created"])


def test_a_target_allowed_once_is_checked_again_before_each_delivery(admin, allow_loopback, receiver):
    _endpoint(admin, receiver.url, ["request.created"])
    settings.set_value("webhooks_allow_private", False)
    create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.commit()
    assert _run() == [FAILED]
    assert receiver.received == []
    [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
    assert delivery.status_code is None and delivery.error.startswith("refused:")


def test_events_must_be_known_and_only_administrators_register(ctx, allow_loopback, receiver):
    from portal.errors import Forbidden

    admin = factories.staff("admin@example.com", role="administrator")
    agent = factories.staff("agent@example.com", role="agent")
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint(admin, receiver.url, [])
    with pytest.raises(ValidationFailed):
        webhooks.create_endpoint(admin, receiver.url, ["request.deleted"])
    with pytest.raises(Forbidden):
        webhooks.create_endpoint(agent, receiver.url, ["request.created"])
    assert db.session.scalar(db.select(db.func.count(WebhookEndpoint.id))) == 0


def test_the_admin_page_registers_shows_the_secret_once_and_disables(app, client, make_staff, receiver):
    make_staff("admin@example.com", role="administrator")
    client.post("/staff/login", data={"email": "admin@example.com", "password": factories.PASSWORD})
    refused = client.post("/staff/admin/webhooks", data={"url": receiver.url, "events": ["request.created"]})
    assert refused.status_code == 400 and b"webhooks_allow_private" in refused.data
    with app.app_context():
        settings.set_value("webhooks_allow_private", True)
        db.session.commit()
    made = client.post("/staff/admin/webhooks", data={"url": receiver.url, "description": "CRM",
                                                      "events": ["request.created", "forum.post_held"]})
    assert made.status_code == 200
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', made.get_data(as_text=True)).group(1)
    listing = client.get("/staff/admin/webhooks").get_data(as_text=True)
    assert receiver.url in listing and secret not in listing and "request.created, forum.post_held" in listing
    with app.app_context():
        endpoint = db.session.scalar(db.select(WebhookEndpoint))
        assert endpoint.secret == secret and endpoint.events == ["request.created", "forum.post_held"]
        endpoint_id = endpoint.id
    assert client.post(f"/staff/admin/webhooks/{endpoint_id}/disable").status_code == 200  # asks first
    assert client.post(f"/staff/admin/webhooks/{endpoint_id}/disable", data={"confirm": "1"}).status_code == 302
    assert "Disabled by an administrator" in client.get("/staff/admin/webhooks").get_data(as_text=True)
    assert client.post(f"/staff/admin/webhooks/{endpoint_id}/enable").status_code == 302
    assert client.get(f"/staff/admin/webhooks/{endpoint_id}").status_code == 200
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).active
