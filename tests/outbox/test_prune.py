"""Retention: delivered jobs, dead ones (when set) and webhook delivery-log rows past their age are deleted by
``flask outbox prune`` and by the worker every OUTBOX_PRUNE_EVERY seconds; anything still to deliver, and recent
history, stays."""
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.outbox import services
from portal.outbox.models import DEAD, DONE, FAILED, PENDING, RUNNING, Job
from portal.outbox.worker import Worker
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint

DAY = 86400


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_KEEP_DONE": 7 * DAY, "OUTBOX_KEEP_DEAD": 30 * DAY,
            "WEBHOOK_LOG_KEEP": 30 * DAY}


def _job(key, state, age_days):
    when = services.now() - timedelta(days=age_days)
    db.session.add(Job(kind="mail", payload={}, key=key, state=state, attempts=1, run_after=when,
                       created_at=when, updated_at=when))


def _history():
    now = services.now()
    for state in (DONE, DEAD, PENDING, FAILED, RUNNING):
        _job(f"{state}-old", state, 40)
        _job(f"{state}-week", state, 8)
        _job(f"{state}-new", state, 1)
    endpoint = WebhookEndpoint(url="https://example.com/h", events=["request.created"], secret="whsec_eA==",
                               active=True, consecutive_failures=0, total_failures=0, total_deliveries=0)
    db.session.add(endpoint)
    db.session.flush()
    for days in (45, 31, 29, 1, 40):  # the last one is out of order by time: an old row with a newer id
        db.session.add(WebhookDelivery(endpoint_id=endpoint.id, message_id=f"msg_{days}", event="request.created",
                                       ok=True, duration_ms=1, created_at=now - timedelta(days=days)))
    db.session.commit()


def _keys():
    return sorted(db.session.scalars(db.select(Job.key)))


def _log():
    return list(db.session.scalars(db.select(WebhookDelivery.message_id).order_by(WebhookDelivery.id)))


def test_prune_deletes_only_history_past_its_retention(ctx):
    _history()
    assert services.prune() == {"done": 2, "dead": 1, "webhook_delivery": 3, "search_change": 0, "temp_blob": 0, "temp_blob_file": 0}
    assert _keys() == sorted(["dead-week", "dead-new", "done-new"] +
                             [f"{s}-{age}" for s in (PENDING, FAILED, RUNNING) for age in ("old", "week", "new")])
    assert _log() == ["msg_29", "msg_1"]
    assert services.prune() == {"done": 0, "dead": 0, "webhook_delivery": 0, "search_change": 0, "temp_blob": 0, "temp_blob_file": 0}


def test_zero_keeps_everything(app, ctx):
    app.config.update(OUTBOX_KEEP_DONE=0, OUTBOX_KEEP_DEAD=0, WEBHOOK_LOG_KEEP=0)
    _history()
    assert services.prune() == {"done": 0, "dead": 0, "webhook_delivery": 0, "search_change": 0, "temp_blob": 0, "temp_blob_file": 0}
    assert len(_keys()) == 15 and len(_log()) == 5


def test_a_big_backlog_goes_in_batches(ctx, monkeypatch):
    monkeypatch.setattr(services, "PRUNE_BATCH", 3)
    for n in range(8):
        _job(f"done-{n}", DONE, 10)
    db.session.commit()
    assert services.prune()["done"] == 8 and _keys() == []


def test_the_cli_prunes(runner, ctx):
    _history()
    result = runner.invoke(args=["outbox", "prune"])
    assert result.exit_code == 0, result.output
    assert "done: 2 deleted" in result.output and "webhook_delivery: 3 deleted" in result.output
    assert "done-old" not in _keys()


def test_the_worker_prunes_every_so_often(app, ctx):
    _history()
    lines = []
    worker = Worker(name="w", echo=lines.append)
    app.config["OUTBOX_PRUNE_EVERY"] = 3600
    worker.prune_if_due()
    assert lines == ["pruned 2 done, 1 dead, 3 webhook_delivery"] and "done-old" not in _keys()
    _job("done-later", DONE, 10)
    db.session.commit()
    worker.prune_if_due()  # not due again for an hour
    assert "done-later" in _keys()
    worker.pruned_at -= 3601
    worker.prune_if_due()
    assert "done-later" not in _keys()
    app.config["OUTBOX_PRUNE_EVERY"] = 0
    _job("done-never", DONE, 10)
    db.session.commit()
    worker.pruned_at -= 7200
    worker.prune_if_due()
    assert "done-never" in _keys()
