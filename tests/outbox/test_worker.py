"""Workers: mail through a real SMTP server that is down then up, a real `flask worker` process stopped by
SIGTERM, and two workers on PostgreSQL sharing the queue."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from portal import outbox
from portal.extensions import db
from portal.outbox import services
from portal.outbox.models import DEAD, DONE, FAILED, Job
from portal.outbox.worker import Worker
from portal.requests.models import Note
from portal.requests.services import RequestInput, create_request
from tests.conftest import POSTGRES_URL, Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
SMTP_PORT = free_port()


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": SMTP_PORT,
            "MAIL_TIMEOUT": 2}


def test_smtp_down_then_up_delivers_each_mail_once(ctx):
    create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.commit()
    key = db.session.scalar(db.select(Job.key))
    assert [o.state for o in outbox.run_pending()] == [FAILED]  # nothing listens yet
    assert [o.state for o in outbox.run_pending()] == [FAILED]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        assert [o.state for o in outbox.run_pending()] == [DONE]
        assert outbox.run_pending() == []
    finally:
        controller.stop()
    [message] = mailbox.messages
    assert message["To"] == "tim@example.com" and message["Message-ID"] == key


def test_a_reply_mail_dead_after_its_attempts_is_written_into_the_history(app, ctx):
    from portal.requests.workflow import record_mail_failure

    app.config["MAIL_ATTEMPTS"] = 2
    from portal import mail
    mail.init_app(app)  # the mail kind takes its attempts from the config
    req = create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
    db.session.commit()
    db.session.execute(db.delete(Job))
    mail.send_after_commit("tim@example.com", "Reply", "request_reply", number=req.id, access_key=req.access_key,
                           link="http://portal.test/x", read_link=None, link_days=0, staff_name="Ann",
                           on_failure=(record_mail_failure, req.id, "tim@example.com"))
    db.session.commit()
    assert [o.state for o in outbox.run_pending()] == [FAILED]
    history = db.select(Note.log).where(Note.request_id == req.id, Note.log.contains("could not be sent"))
    assert db.session.scalars(history).all() == []
    assert [o.state for o in outbox.run_pending()] == [DEAD]
    assert len(db.session.scalars(history).all()) == 1


def _worker_process(app, **env):
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "SECRET_KEY": "test-secret", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(SMTP_PORT),
                   "RATELIMIT_STORAGE_URI": "memory://", "PYTHONUNBUFFERED": "1", **env}
    environment.pop("OUTBOX_INLINE", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll", "0.2"],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.own_database  # the worker is another process: it must see what the test commits
def test_the_worker_process_delivers_and_stops_cleanly_on_sigterm(app, ctx):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    process = _worker_process(app)
    try:
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        deadline = time.monotonic() + 30
        while not mailbox.messages and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert len(mailbox.messages) == 1
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
        controller.stop()
    assert process.returncode == 0, output
    assert "started" in output and ": done" in output and output.rstrip().endswith("stopped")
    db.session.expire_all()
    assert db.session.scalar(db.select(Job.state)) == DONE


def test_a_stopping_worker_gives_back_the_jobs_it_had_not_started(ctx):
    seen = []

    def deliver(payload):
        seen.append(payload["n"])
        worker.stop()  # SIGTERM arrives during the first delivery

    outbox.register("test.stop", deliver)
    for n in range(3):
        outbox.enqueue("test.stop", {"n": n})
    db.session.commit()
    worker = Worker(name="w1", echo=lambda line: None)
    assert worker.run_once()
    assert seen == [0]
    states = db.session.execute(db.select(Job.payload, Job.state, Job.attempts, Job.worker).order_by(Job.id)).all()
    assert [(s, a, w) for _, s, a, w in states] == [(DONE, 1, "w1"), ("pending", 0, None), ("pending", 0, None)]


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
@pytest.mark.own_database  # the workers are other processes
def test_two_workers_on_postgresql_deliver_each_job_once(app):
    delivered: list[tuple[int, str]] = []
    lock = threading.Lock()

    def deliver(payload):
        with lock:
            delivered.append((payload["n"], threading.current_thread().name))
        time.sleep(0.001)

    outbox.register("test.count", deliver)
    with app.app_context():
        for n in range(400):
            outbox.enqueue("test.count", {"n": n})
        db.session.commit()

    def work():
        with app.app_context():
            worker = Worker(name=threading.current_thread().name, batch=5, echo=lambda line: None)
            while worker.run_once():
                pass

    threads = [threading.Thread(target=work, name=f"worker-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    numbers = sorted(n for n, _ in delivered)
    assert numbers == list(range(400))  # each once
    assert {name for _, name in delivered} == {"worker-0", "worker-1"}  # both took part
    with app.app_context():
        assert services.counts()[DONE] == 400
