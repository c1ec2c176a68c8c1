"""The outbox: jobs exist exactly when their change committed; claims, leases, retries and the dead state."""
from datetime import timedelta

import pytest
from flask import abort

from portal import outbox
from portal.extensions import db
from portal.outbox import services
from portal.outbox.models import DEAD, DONE, FAILED, PENDING, RUNNING, Job
from portal.requests.services import RequestInput, create_request


def _jobs():
    return db.session.scalars(db.select(Job).order_by(Job.id)).all()


def test_a_mail_job_is_written_with_the_change_and_keyed_by_its_message_id(app):
    with app.test_request_context():
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        [job] = _jobs()
    assert job.kind == "mail" and job.state == PENDING and job.attempts == 0
    assert job.payload["to"] == "tim@example.com" and job.key == job.payload["message_id"]
    assert job.key.startswith("<") and job.key.endswith("@portico>")


def test_a_rolled_back_change_leaves_no_job(app):
    with app.test_request_context():
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.rollback()
        db.session.commit()
        assert _jobs() == []


def test_a_request_that_fails_takes_its_jobs_with_it(app, recorded):
    @app.post("/test/enqueue/<int:status>")
    def enqueue_then(status):
        outbox.enqueue("test.record", {"n": status})
        if status >= 400:
            abort(status)
        return "queued"

    client = app.test_client()
    assert client.post("/test/enqueue/500").status_code == 500
    assert client.post("/test/enqueue/409").status_code == 409
    assert client.post("/test/enqueue/200").status_code == 200
    with app.app_context():
        assert [job.payload["n"] for job in _jobs()] == [200]


def test_a_key_is_queued_once(ctx, recorded):
    outbox.enqueue("test.record", {"n": 1}, key="k1")
    outbox.enqueue("test.record", {"n": 1}, key="k1")
    db.session.commit()
    outbox.enqueue("test.record", {"n": 1}, key="k1")
    db.session.commit()
    assert len(_jobs()) == 1
    assert [o.state for o in outbox.run_pending()] == [DONE]
    assert recorded["delivered"] == [1]


def test_an_unknown_kind_is_refused_at_once(ctx):
    with pytest.raises(LookupError):
        outbox.enqueue("nothing.like.this", {})


def test_a_claimed_job_is_leased_then_claimed_again_when_its_worker_died(ctx, recorded):
    outbox.enqueue("test.record", {"n": 1})
    db.session.commit()
    [(job_id, kind, payload, attempt)] = services.claim("w1")
    assert (kind, payload, attempt) == ("test.record", {"n": 1}, 1)
    assert services.claim("w2") == []  # leased to w1
    job = db.session.get(Job, job_id)
    assert job.state == RUNNING and job.worker == "w1" and job.lease_until > services.now()
    job.lease_until = services.now() - timedelta(seconds=1)  # w1 died: its lease ran out
    db.session.commit()
    [(_, _, _, attempt)] = services.claim("w2")
    assert attempt == 2
    # w1 comes back to life: its outcome is not recorded over w2's lease.
    assert services.deliver(job_id, kind, payload, 1, "w1").state == DONE
    db.session.expire_all()
    assert db.session.get(Job, job_id).worker == "w2" and db.session.get(Job, job_id).state == RUNNING
    services.deliver(job_id, kind, payload, 2, "w2")
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == DONE


def test_a_failure_is_retried_later_with_backoff(app, ctx, recorded):
    app.config.update(OUTBOX_RETRY_BASE=60)
    recorded["fail"] = 1
    outbox.enqueue("test.record", {"n": 7})
    db.session.commit()
    [outcome] = outbox.run_pending()
    assert outcome.state == FAILED and 30 <= outcome.retry_in <= 60 and "receiver is down" in outcome.error
    assert outbox.run_pending() == []  # not due yet
    job = _jobs()[0]
    assert job.state == FAILED and job.attempts == 1 and "receiver is down" in job.last_error
    job.run_after = services.now()
    db.session.commit()
    assert [o.state for o in outbox.run_pending()] == [DONE]
    assert recorded["delivered"] == [7]


def test_backoff_doubles_up_to_the_cap_with_jitter(app, ctx):
    app.config.update(OUTBOX_RETRY_BASE=10, OUTBOX_RETRY_CAP=100)
    for attempt, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        delays = {services.backoff(attempt) for _ in range(20)}
        assert all(full / 2 <= d <= full for d in delays) and len(delays) > 1


def test_out_of_attempts_the_job_is_dead_and_reported_once(ctx, recorded):
    recorded["fail"] = 10
    outbox.enqueue("test.record", {"n": 3})
    db.session.commit()
    states = [o.state for _ in range(5) for o in outbox.run_pending()]
    assert states == [FAILED, FAILED, DEAD]
    job = _jobs()[0]
    assert job.state == DEAD and job.attempts == 3 and recorded["dead"] == [3] and recorded["delivered"] == []


def test_outbox_status_prints_counts_and_fails_past_max_age(app, runner, recorded):
    with app.app_context():
        outbox.enqueue("test.record", {"n": 1})
        db.session.commit()
        job = _jobs()[0]
        job.created_at = services.now() - timedelta(minutes=10)
        db.session.commit()
    result = runner.invoke(args=["outbox", "status", "--max-age", "60"])
    assert result.exit_code == 1 and "pending: 1" in result.output and "oldest pending: 600s" in result.output
    assert runner.invoke(args=["outbox", "status", "--max-age", "3600"]).exit_code == 0
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    result = runner.invoke(args=["outbox", "status", "--max-age", "1"])
    assert result.exit_code == 0 and "done: 1" in result.output and "oldest pending: none" in result.output
