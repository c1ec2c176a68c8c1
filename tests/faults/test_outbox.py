"""Faults the outbox must live through, with real parts: an SMTP server down for a while then back (a worker
loop with short backoff: every mail delivered once), a worker process SIGKILLed in the middle of a webhook
delivery (delivered by another after the lease), a webhook receiver that hangs (retried, then dead, shown to
staff), two worker processes on PostgreSQL and 1,000 webhook jobs (each delivered once, by one of them), and
the database unreachable (the worker backs off, then resumes).

What tests/outbox already covers is not repeated here: a receiver answering 500 (test_admin_jobs), the lease
taken over at the service level (test_outbox), SIGTERM (test_worker)."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from portal import outbox, settings
from portal.extensions import db
from portal.outbox import services
from portal.outbox.models import DEAD, DONE, FAILED, RUNNING, Job
from portal.outbox.worker import Worker
from portal.requests.services import RequestInput, create_request
from portal.webhooks import services as webhooks
from portal.webhooks.models import WebhookDelivery
from tests import factories
from tests.conftest import POSTGRES_URL, Mailbox, free_port, make_app, release, seed_reference_data
from tests.faults.proxy import Proxy
from tests.outbox.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
SMTP_PORT = free_port()


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0.2, "OUTBOX_RETRY_CAP": 0.5, "MAIL_ATTEMPTS": 60,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": SMTP_PORT, "MAIL_TIMEOUT": 2, "WEBHOOK_ATTEMPTS": 3,
            "WEBHOOK_TIMEOUT": 1}


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:.0f}s for {what}")
        time.sleep(0.05)


def _worker_thread(app, lines: list[str], name: str = "w1", poll: float = 0.05):
    worker = Worker(name=name, batch=5, poll=poll, echo=lines.append)

    def run():
        with app.app_context():
            worker.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return worker, thread


def _worker_process(app, *args: str, **env: str) -> subprocess.Popen:
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret",
                   "RATELIMIT_STORAGE_URI": "memory://", "PYTHONUNBUFFERED": "1", "OUTBOX_PRUNE_EVERY": "0", **env}
    environment.pop("OUTBOX_INLINE", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--poll", "0.1", *args],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


@pytest.mark.own_database  # the worker runs in a thread, on connections of its own
def test_smtp_down_for_a_while_then_back_every_mail_is_delivered_once(app, ctx):
    from portal import mail

    mail.init_app(app)  # the mail kind takes MAIL_ATTEMPTS from this test's config
    for n in range(20):
        create_request(RequestInput(note=f"Help number {n}", email=f"c{n}@example.com"), check_spam=False)
    db.session.commit()
    keys = set(db.session.scalars(db.select(Job.key).where(Job.kind == "mail")))
    assert len(keys) == 20
    lines: list[str] = []
    worker, thread = _worker_thread(app, lines)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    try:
        _wait(lambda: sum(": failed" in line for line in lines) >= 40, 30, "two failed rounds")
        time.sleep(1.5)  # down for a while longer
        controller.start()
        _wait(lambda: len(mailbox.messages) >= 20, 30, "every mail")
        time.sleep(1.0)  # anything sent twice would arrive now
    finally:
        worker.stop()
        thread.join(10)
        controller.stop()
    sent = Counter(message["Message-ID"] for message in mailbox.messages)
    assert set(sent) == keys and set(sent.values()) == {1}  # every mail, once
    db.session.expire_all()
    assert services.counts()[DONE] == 20
    assert min(db.session.scalars(db.select(Job.attempts))) >= 3  # each was tried while SMTP was down


@pytest.mark.own_database  # worker processes
def test_a_worker_killed_mid_delivery_loses_nothing_another_delivers_after_the_lease(app, ctx):
    settings.set_value("webhooks_allow_private", True)
    admin = factories.staff("admin@example.com", role="administrator")
    hold = threading.Event()
    with Receiver(hold=hold) as receiver:
        webhooks.create_endpoint(admin, receiver.url, ["request.created"])
        db.session.commit()
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        env = {"OUTBOX_LEASE": "3", "WEBHOOK_TIMEOUT": "30"}
        first = _worker_process(app, **env)
        try:
            _wait(receiver.arrived.is_set, 30, "the first delivery to reach the receiver")
            first.send_signal(signal.SIGKILL)  # in the middle of the delivery: the receiver has not answered
            first.communicate(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        db.session.expire_all()
        job = db.session.scalars(db.select(Job).where(Job.kind == "webhook")).one()
        assert job.state == RUNNING and job.worker.endswith(f":{first.pid}") and job.attempts == 1
        hold.set()  # the killed worker's request is answered into a closed socket
        killed_at = time.monotonic()
        second = _worker_process(app, **env)
        try:
            def delivered():
                db.session.expire_all()
                return db.session.scalar(db.select(Job.state).where(Job.id == job.id)) == DONE

            _wait(delivered, 30, "the job to be delivered again")
        finally:
            output = _stop(second)
    assert time.monotonic() - killed_at >= 1.5  # not before the lease ran out
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.attempts == 2 and job.worker.endswith(f":{second.pid}"), output
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert ids == [job.key, job.key]  # the same id both times: the receiver can drop the repeat


def test_a_hanging_receiver_is_given_up_retried_then_dead_and_shown_to_staff(app, ctx, client):
    settings.set_value("webhooks_allow_private", True)
    admin = factories.staff("admin@example.com", role="administrator")
    with Receiver(delay=3) as receiver:
        endpoint, _ = webhooks.create_endpoint(admin, receiver.url, ["request.created"])
        create_request(RequestInput(note="Help", email="tim@example.com"), check_spam=False)
        db.session.commit()
        started = time.monotonic()
        states = []
        for _ in range(4):
            states += [o.state for o in outbox.run_pending() if o.kind == "webhook"]
            time.sleep(0.6)  # past the short backoff
    assert states == [FAILED, FAILED, DEAD]
    assert time.monotonic() - started < 3 * 1 + 4 * 0.6 + 4  # each attempt gave up after WEBHOOK_TIMEOUT
    log = db.session.scalars(db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)).all()
    assert len(log) == 3 and all(d.status_code is None and "timed out" in d.error for d in log)
    assert client.post("/staff/login", data={"email": "admin@example.com",
                                             "password": factories.PASSWORD}).status_code == 302
    html = client.get("/staff/admin/jobs?state=dead").get_data(as_text=True)
    assert "webhook" in html and "timed out" in html


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
@pytest.mark.own_database  # worker processes
@pytest.mark.slow
def test_two_worker_processes_on_postgresql_deliver_1000_jobs_each_once(app, ctx):
    settings.set_value("webhooks_allow_private", True)
    admin = factories.staff("admin@example.com", role="administrator")
    with Receiver() as receiver:
        webhooks.create_endpoint(admin, receiver.url, ["request.created"])
        db.session.commit()
        for n in range(1000):
            webhooks.emit("request.created", {"n": n})
        db.session.commit()
        workers = [_worker_process(app, "--batch", "5") for _ in range(2)]
        try:
            _wait(lambda: len(receiver.received) >= 1000, 400, "1,000 deliveries")
            time.sleep(1.0)  # a second delivery of any of them would arrive now
        finally:
            outputs = [_stop(worker) for worker in workers]
    ids = Counter(headers["webhook-id"] for headers, _ in receiver.received)
    assert len(ids) == 1000 and set(ids.values()) == {1}, [o for o in outputs if "Error" in o]
    db.session.expire_all()
    assert services.counts()[DONE] == 1000
    by = Counter(w.rsplit(":", 1)[1] for w in db.session.scalars(db.select(Job.worker)))
    assert set(by) == {str(worker.pid) for worker in workers}  # both took part
    assert all(count > 100 for count in by.values()), by


def test_the_database_unreachable_the_worker_backs_off_then_resumes(tmp_path, recorded_kind):
    """The database's directory is moved away under a running worker (SQLite cannot open the file: the
    database is unreachable), then put back."""
    home = tmp_path / "db"
    home.mkdir()
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{home / 'portico.db'}", OUTBOX_INLINE=False,
                   OUTBOX_PRUNE_EVERY=0)
    try:
        with app.app_context():
            db.create_all()
            seed_reference_data()
            outbox.enqueue("test.fault", {"n": 1})
            db.session.commit()
            db.engine.dispose()
        away = tmp_path / "away"
        shutil.move(home, away)
        lines: list[str] = []
        worker, thread = _worker_thread(app, lines, poll=0.1)
        try:
            _wait(lambda: sum("database unavailable" in line for line in lines) >= 3, 30, "the worker to back off")
            pauses = [float(line.rsplit("retrying in ", 1)[1].rstrip("s"))
                      for line in lines if "database unavailable" in line]
            assert pauses[:3] == sorted(pauses[:3]) and pauses[0] < pauses[2]  # longer each time
            assert recorded_kind == []
            shutil.move(away, home)
            _wait(lambda: recorded_kind == [1], 30, "the job to be delivered once the database is back")
        finally:
            worker.stop()
            thread.join(40)
        assert not thread.is_alive() and lines[-1].endswith("stopped")
        with app.app_context():
            assert services.counts()[DONE] == 1
    finally:
        release(app)


@pytest.fixture
def recorded_kind():
    delivered: list[int] = []
    outbox.register("test.fault", lambda payload: delivered.append(payload["n"]))
    return delivered


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not configured (set PORTICO_TEST_DATABASE_URL)")
@pytest.mark.own_database  # a worker process, on connections of its own
def test_postgresql_unreachable_a_worker_process_backs_off_then_resumes(app, ctx):
    """A real worker process reaches PostgreSQL through a TCP proxy the test cuts (open connections reset,
    new ones refused) and restores, while the server stays up for the test itself: the worker keeps running,
    waits longer each time without spinning, and once the proxy is back delivers every job queued meanwhile,
    once each. The cut comes while a delivery is in the receiver's hands: its outcome cannot be logged, so the
    job goes back (not left to its lease) and is sent again with the same webhook-id, for the receiver to drop."""
    from sqlalchemy.engine import make_url

    settings.set_value("webhooks_allow_private", True)
    admin = factories.staff("admin@example.com", role="administrator")
    server = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    hold = threading.Event()
    with Receiver(hold=hold) as receiver, Proxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        webhooks.create_endpoint(admin, receiver.url, ["request.created"])
        before = webhooks.emit("request.created", {"n": 0})
        db.session.commit()
        url = server.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        worker = _worker_process(app, DATABASE_URL=url, SEARCH_CATCH_UP_EVERY="0")
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(worker.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            _wait(receiver.arrived.is_set, 30, "the first delivery to reach the receiver")
            proxy.cut()
            hold.set()  # answered: the worker cannot write down how it went
            during = webhooks.emit("request.created", {"n": 1}) + webhooks.emit("request.created", {"n": 2})
            db.session.commit()  # queued while the worker cannot see the database
            _wait(lambda: sum("database unavailable" in line for line in lines) >= 1, 30, "the worker to notice")
            cpu_at, cut_at = _cpu_seconds(worker.pid), time.monotonic()
            time.sleep(6)  # down for a while
            cpu = _cpu_seconds(worker.pid) - cpu_at
            outage = time.monotonic() - cut_at
            assert worker.poll() is None, "".join(lines)  # no crash
            assert len(receiver.received) == 1
            failures = [line for line in lines if "database unavailable" in line]
            pauses = [float(line.rsplit("retrying in ", 1)[1].rstrip("s\n")) for line in failures]
            assert pauses == sorted(pauses) and pauses[-1] >= 2, failures  # longer each time
            assert len(failures) < 12, failures  # no busy loop: a handful of tries in the outage
            assert cpu < outage * 0.2, f"{cpu:.2f}s of CPU in {outage:.1f}s"  # waiting, not spinning
            proxy.restore()
            _wait(lambda: len(receiver.received) >= 4, 45, "the jobs queued meanwhile, once it is back")
            time.sleep(1.0)  # a repeat would arrive now
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            reader.join(10)
            worker.stdout.close()
    log = "".join(lines)
    assert worker.returncode == 0, log
    assert "Traceback" not in log, log
    ids = Counter(headers["webhook-id"] for headers, _ in receiver.received)
    assert ids == {before[0]: 2, during[0]: 1, during[1]: 1}, log  # the interrupted one again, the others once
    assert "database available again" in log and proxy.connections >= 2  # back through the restored proxy
    # and no connection that died in the outage was used again (the app's session is ended each round)
    assert "database unavailable" not in log.split("database available again", 1)[1], log
    db.session.expire_all()
    assert services.counts()[DONE] == 3
