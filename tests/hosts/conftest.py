"""Several hosts: a real S3-compatible server (moto's standalone server, an HTTP server in its own process)."""
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import free_port


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a moto S3 server started for the session, stopped after it."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_env(monkeypatch, s3_server):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return s3_server


@pytest.fixture
def bucket(s3_env):
    """A fresh bucket on the S3 server: (endpoint, name, boto3 client)."""
    import uuid

    import boto3

    name = f"portico-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_env, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return s3_env, name, client
