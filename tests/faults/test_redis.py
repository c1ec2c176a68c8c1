"""Redis (the shared rate-limit store) going down must not take the limited pages down: the limits
fall back to per-process memory and keep counting."""
import pytest

from portal.extensions import limiter
from tests.conftest import free_port

CLOSED_REDIS = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "REDIS_URL": CLOSED_REDIS, "RATELIMIT_STORAGE_URI": CLOSED_REDIS,
            "RATELIMIT_ACCESS_KEY": "2 per minute"}


@pytest.fixture(autouse=True)
def forget_dead_storage():
    # Flask-Limiter keeps "storage is dead" on its (process-wide) instance; later tests build new apps.
    yield
    limiter._storage_dead = False


def test_unreachable_redis_falls_back_to_memory_and_still_limits(app, client, caplog):
    assert app.config["RATELIMIT_STORAGE_URI"] == CLOSED_REDIS
    codes = [client.get("/requests/1abcdef").status_code for _ in range(3)]
    assert 500 not in codes
    assert codes[-1] == 429
    assert any("falling back to in-memory" in record.getMessage() for record in caplog.records)
