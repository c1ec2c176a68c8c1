"""Outbox tests run with a worker's view of the queue: no inline delivery, retries due at once."""
import pytest

from portal import outbox


@pytest.fixture
def app_config():
    return {"OUTBOX_INLINE": False, "OUTBOX_RETRY_BASE": 0}


@pytest.fixture
def recorded():
    """A job kind ``test.record`` whose deliveries are listed; set ``fail`` to a number of failures first."""
    state = {"delivered": [], "dead": [], "fail": 0}

    def deliver(payload):
        if state["fail"]:
            state["fail"] -= 1
            raise outbox.Retry("the receiver is down")
        state["delivered"].append(payload["n"])

    outbox.register("test.record", deliver, max_attempts=3, on_dead=lambda payload: state["dead"].append(payload["n"]))
    return state
