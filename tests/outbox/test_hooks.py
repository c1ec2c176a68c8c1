"""DeskPRO's Zapier REST hook subscriptions are delivered through the outbox like the administrators' endpoints:
one ``webhook`` job per subscription to the event (or its DeskPRO alias), POSTed to a real receiver on loopback,
checked against SSRF before each attempt, retried, then dead; the key's staff member must still be live and
allowed to see the event; a 410 Gone answer ends the subscription."""
import json

import pytest

from portal import outbox, settings
from portal.apikeys.services import create_key, revoke_key
from portal.extensions import db
from portal.forums.services import PostInput, create_topic
from portal.outbox.models import DEAD, DONE, FAILED, Job
from portal.requests.services import RequestInput, create_request
from portal.webhooks import hooks
from portal.webhooks.models import HookSubscription
from tests import factories
from tests.outbox.receiver import Receiver


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0, "WEBHOOK_ATTEMPTS": 3, "WEBHOOK_TIMEOUT": 2}


@pytest.fixture
def key(ctx):
    agent = factories.staff("zap@example.com", role="agent")
    made, _secret = create_key(agent, agent, "zapier")
    db.session.commit()
    return made


@pytest.fixture
def allow_loopback(ctx):
    settings.set_value("webhooks_allow_private", True)
    db.session.commit()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _subscribe(key, url, event):
    row = hooks.subscribe(key, target_url=url, event=event)
    db.session.commit()
    return row


def _request(note="The printer is on fire"):
    req = create_request(RequestInput(note=note, email="tim@example.com"), check_spam=False)
    db.session.commit()
    return req


def _hook_jobs():
    return [j for j in db.session.scalars(db.select(Job).where(Job.kind == "webhook").order_by(Job.id))
            if "subscription_id" in j.payload]


def _run():
    return [o.state for o in outbox.run_pending() if o.kind == "webhook"]


def test_a_new_ticket_reaches_the_subscribed_url_with_the_ticket(key, allow_loopback, receiver):
    hook = _subscribe(key, receiver.url, "new_ticket")
    req = _request()
    [job] = _hook_jobs()
    assert job.payload["subscription_id"] == hook.id and job.state == "pending"
    assert receiver.received == []  # nothing on the request path
    assert _run() == [DONE]
    [(headers, body)] = receiver.received
    sent = json.loads(body)
    assert sent["type"] == "new_ticket" and sent["data"]["request"]["id"] == req.id
    assert sent["data"]["ticket"]["id"] == req.id and sent["data"]["ticket"]["subject"] == req.title
    assert sent["data"]["ticket"]["fields"] == {}
    assert headers["webhook-id"] == job.key and "webhook-signature" not in headers
    assert _run() == [] and len(receiver.received) == 1  # delivered once


def test_our_event_names_subscribe_too_and_other_events_queue_nothing(key, allow_loopback, receiver):
    _subscribe(key, receiver.url, "forum.topic_created")
    _subscribe(key, receiver.url, "new_article")
    forum = factories.forum()
    db.session.commit()
    create_topic(forum, PostInput(title="Hello there", body="A first post", name="Ann"))
    db.session.commit()
    _request()
    assert [j.payload["event"] for j in _hook_jobs()] == ["forum.topic_created"]
    assert _run() == [DONE]
    assert json.loads(receiver.received[0][1])["type"] == "forum.topic_created"


def test_a_rolled_back_change_queues_nothing(key, allow_loopback, receiver):
    _subscribe(key, receiver.url, "new_ticket")
    create_request(RequestInput(note="never committed", email="x@example.com"), check_spam=False)
    db.session.rollback()
    assert _hook_jobs() == [] and _run() == []


def test_a_failing_receiver_is_retried_with_the_same_id_then_dead(key, allow_loopback):
    with Receiver(status=500) as receiver:
        _subscribe(key, receiver.url, "new_ticket")
        _request()
        assert _run() == [FAILED]
        assert _run() == [FAILED]
        assert _run() == [DEAD]
        assert _run() == []
    [job] = _hook_jobs()
    db.session.refresh(job)
    assert job.state == DEAD and job.attempts == 3 and job.last_error.endswith("HTTP 500")
    assert len({h["webhook-id"] for h, _ in receiver.received}) == 1 and len(receiver.received) == 3


def test_a_loopback_target_is_refused_without_the_setting(key, receiver):
    _subscribe(key, receiver.url, "new_ticket")
    _request()
    assert _run() == [FAILED]
    [job] = _hook_jobs()
    db.session.refresh(job)
    assert "loopback" in job.last_error and receiver.received == []


def test_a_revoked_key_or_a_staff_member_without_the_right_gets_nothing(key, allow_loopback, receiver):
    _subscribe(key, receiver.url, "new_ticket")
    revoke_key(key.staff, key.id)
    db.session.commit()
    _request()
    assert _run() == [DONE] and receiver.received == []  # the job is settled, nothing is sent


def test_410_gone_ends_the_subscription(key, allow_loopback):
    with Receiver(status=410) as receiver:
        hook_id = _subscribe(key, receiver.url, "new_ticket").id
        _request()
        assert _run() == [DONE]
        assert len(receiver.received) == 1
    db.session.expire_all()
    assert db.session.get(HookSubscription, hook_id) is None
    _request("another one")
    assert [j.payload["subscription_id"] for j in _hook_jobs()] == [hook_id]  # the first one only


def _login(client, email):
    assert client.post("/staff/login", data={"email": email, "password": factories.PASSWORD}).status_code == 302


def test_hook_deliveries_are_in_the_delivery_log_and_on_the_webhooks_page(key, allow_loopback, client):
    from portal.webhooks.models import WebhookDelivery

    with Receiver(status=500) as receiver:
        hook = _subscribe(key, receiver.url, "new_ticket")
        _request()
        assert _run() == [FAILED]
        receiver.status = 200
        assert _run() == [DONE]
    [job] = _hook_jobs()
    log = db.session.scalars(db.select(WebhookDelivery).where(WebhookDelivery.subscription_id == hook.id)
                             .order_by(WebhookDelivery.id)).all()
    assert [(d.status_code, d.ok, d.message_id, d.event) for d in log] == [
        (500, False, job.key, "request.created"), (200, True, job.key, "request.created")]
    assert log[0].response_excerpt == "receiver broke" and log[1].response_excerpt == '{"received": true}'
    assert all(d.endpoint_id is None for d in log)

    factories.staff("admin@example.com", role="administrator")
    db.session.commit()
    _login(client, "admin@example.com")
    page = client.get("/staff/admin/webhooks").get_data(as_text=True)
    assert receiver.url in page and f"/staff/admin/webhooks/hooks/{hook.id}" in page and "new_ticket" in page
    detail = client.get(f"/staff/admin/webhooks/hooks/{hook.id}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "receiver broke" in html and "{&#34;received&#34;: true}" in html
    assert job.key in html and "zap@example.com" in html
    assert client.get("/staff/admin/webhooks/hooks/999999").status_code == 404


def test_a_hook_log_is_for_administrators_and_goes_with_its_subscription(key, allow_loopback, client, receiver):
    from portal.webhooks.models import WebhookDelivery

    hook_id = _subscribe(key, receiver.url, "new_ticket").id
    _request()
    assert _run() == [DONE]
    _login(client, "zap@example.com")  # the agent who made it: not an administrator
    assert client.get(f"/staff/admin/webhooks/hooks/{hook_id}").status_code in (403, 404)
    hooks.unsubscribe(key.staff, hook_id)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(WebhookDelivery.id))) == 0
