"""The mail server being down or hanging never loses a request: it is committed and the failure logged."""
import logging
import socket
import time

import pytest

from portal.extensions import db
from portal.requests.models import Request
from portal.requests.services import RequestInput, create_request
from tests.conftest import free_port


@pytest.fixture
def app_config():
    # Nothing listens on this port: the connection is refused.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_TIMEOUT": 2}


def _create_and_commit():
    req = create_request(RequestInput(note="The mail server is down", email="pat@example.com"),
                         check_spam=False)
    db.session.commit()
    return req.id


def test_smtp_down_still_creates_the_request_and_logs_the_failure(ctx, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    request_id = _create_and_commit()
    db.session.remove()
    stored = db.session.get(Request, request_id)
    assert stored is not None and stored.email == "pat@example.com"
    assert stored.notes[0].body == "The mail server is down"
    failures = [r for r in caplog.records if r.name == "portal.mail" and r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "pat@example.com" in failures[0].getMessage() and "failed" in failures[0].getMessage()


def test_a_hanging_smtp_server_is_given_up_after_mail_timeout(ctx, app, caplog):
    # A server that accepts the connection but never greets: the request waits MAIL_TIMEOUT, no longer.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        app.config.update(MAIL_PORT=listener.getsockname()[1], MAIL_TIMEOUT=1)
        started = time.monotonic()
        request_id = _create_and_commit()
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert db.session.get(Request, request_id) is not None
    assert any("failed" in r.getMessage() for r in caplog.records if r.name == "portal.mail")
