"""The administrators' outbox page: pending, failed and dead jobs with their last error, paginated, retry
and discard (CSRF-protected POSTs, administrators only); /healthz reports the oldest pending job's age."""
import re
from datetime import timedelta

import pytest

from portal import outbox, settings
from portal.extensions import db
from portal.outbox import services
from portal.outbox.models import DEAD, DONE, FAILED, PENDING, Job
from portal.requests.services import RequestInput, create_request
from portal.webhooks import services as webhooks
from tests import factories
from tests.outbox.receiver import Receiver

PASSWORD = factories.PASSWORD


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0, "WEBHOOK_ATTEMPTS": 2}


@pytest.fixture
def admin_client(client, make_staff):
    make_staff("admin@example.com", role="administrator")
    assert client.post("/staff/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    return client


def _queue(recorded, n, fail=None):
    if fail is not None:
        recorded["fail"] = fail
    for i in range(n):
        outbox.enqueue("test.record", {"n": i})
    db.session.commit()


def test_the_page_lists_jobs_not_delivered_with_their_last_error(app, ctx, recorded, admin_client):
    _queue(recorded, 2, fail=100)
    outbox.run_pending()
    outbox.run_pending()
    _queue(recorded, 1)
    outbox.run_pending()  # the first two dead after 3 attempts, the third failed once
    _queue(recorded, 1)  # and one pending
    assert {k: v for k, v in services.counts().items() if v} == {DEAD: 2, FAILED: 1, PENDING: 1}
    page = admin_client.get("/staff/admin/jobs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("Retry</button>") == 4
    assert html.count("Retry: the receiver is down") == 3
    assert "<td>dead</td>" in html and "<td>failed</td>" in html and "<td>pending</td>" in html
    dead = admin_client.get("/staff/admin/jobs?state=dead").get_data(as_text=True)
    assert dead.count("Retry</button>") == 2
    assert admin_client.get("/staff/admin/jobs?state=done").status_code == 400


def test_the_page_is_paginated(ctx, recorded, admin_client):
    _queue(recorded, 60)
    first = admin_client.get("/staff/admin/jobs").get_data(as_text=True)
    second = admin_client.get("/staff/admin/jobs?page=2").get_data(as_text=True)
    assert first.count("Retry</button>") == 50 and second.count("Retry</button>") == 10
    assert "Page 1 of 2" in first


def test_retry_makes_a_dead_job_due_with_fresh_attempts_and_discard_deletes(ctx, recorded, admin_client):
    _queue(recorded, 2, fail=6)
    for _ in range(3):
        outbox.run_pending()
    dead, other = db.session.scalars(db.select(Job).order_by(Job.id)).all()
    assert dead.state == other.state == DEAD
    assert admin_client.post(f"/staff/admin/jobs/{dead.id}/retry").status_code == 302
    db.session.expire_all()
    assert (dead.state, dead.attempts) == (PENDING, 0)
    recorded["fail"] = 0
    assert [o.state for o in outbox.run_pending()] == [DONE]
    assert recorded["delivered"] == [0]
    # Discard asks first, then deletes.
    asked = admin_client.post(f"/staff/admin/jobs/{other.id}/discard")
    assert asked.status_code == 200 and b"Discard job" in asked.data
    assert db.session.get(Job, other.id) is not None
    assert admin_client.post(f"/staff/admin/jobs/{other.id}/discard", data={"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Job, other.id) is None
    # A delivered job can be neither retried nor discarded; an unknown one is 404.
    assert admin_client.post(f"/staff/admin/jobs/{dead.id}/retry").status_code == 409
    assert admin_client.post("/staff/admin/jobs/999999/discard", data={"confirm": "1"}).status_code == 404


def test_only_administrators(ctx, recorded, client, make_staff):
    _queue(recorded, 1)
    job = db.session.scalar(db.select(Job))
    make_staff("agent@example.com", role="agent")
    client.post("/staff/login", data={"email": "agent@example.com", "password": PASSWORD})
    assert client.get("/staff/admin/jobs").status_code == 403
    assert client.post(f"/staff/admin/jobs/{job.id}/retry").status_code == 403
    assert client.post(f"/staff/admin/jobs/{job.id}/discard", data={"confirm": "1"}).status_code == 403
    client.post("/staff/logout")
    assert client.get("/staff/admin/jobs").status_code == 302  # to the login page


def test_healthz_reports_the_oldest_pending_jobs_age(ctx, recorded, client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok",
                                                 "outbox_oldest_pending_seconds": None}
    _queue(recorded, 1)
    job = db.session.scalar(db.select(Job))
    job.created_at -= timedelta(seconds=120)
    db.session.commit()
    age = client.get("/healthz").get_json()["outbox_oldest_pending_seconds"]
    assert 120 <= age < 180


def test_a_webhook_receiver_answering_500_is_retried_then_dead_and_shown_to_staff(ctx, admin_client):
    settings.set_value("webhooks_allow_private", True)
    admin = factories.staff("boss@example.com", role="administrator")
    with Receiver(status=500) as receiver:
        webhooks.create_endpoint(admin, receiver.url, ["request.created"])
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        states = [o.state for o in outbox.run_pending() if o.kind == "webhook"]
        states += [o.state for o in outbox.run_pending() if o.kind == "webhook"]
    assert states == [FAILED, DEAD] and len(receiver.received) == 2
    html = admin_client.get("/staff/admin/jobs?state=dead").get_data(as_text=True)
    assert re.search(r"<td>webhook</td>\s*<td>dead</td>", html)
    assert "HTTP 500" in html
    log = admin_client.get("/staff/admin/webhooks/1").get_data(as_text=True)
    assert log.count("receiver broke") == 2


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"OUTBOX_INLINE": False, "WTF_CSRF_ENABLED": True}

    def test_retry_and_discard_need_the_token(self, app, recorded, client, make_staff):
        with app.app_context():  # no request context: the client's requests keep their own sessions
            _queue(recorded, 1)
            job_id = db.session.scalar(db.select(Job.id))
        make_staff("admin@example.com", role="administrator")
        login = client.get("/staff/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        client.post("/staff/login", data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": token})
        page = client.get("/staff/admin/jobs").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(f"/staff/admin/jobs/{job_id}/retry").status_code == 400
        assert client.post(f"/staff/admin/jobs/{job_id}/discard", data={"confirm": "1"}).status_code == 400
        answer = client.post(f"/staff/admin/jobs/{job_id}/retry", data={"csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)[-1500:]
