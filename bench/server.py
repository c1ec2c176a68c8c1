"""gunicorn on a loopback port, from a subprocess, stopped however the benchmark ends."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .load import Target, fetch

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict, ready_path: str = "/", log_path: Path | None = None):
    """Serve ``app_spec`` with ``WORKERS`` sync workers; yields the port once ``ready_path`` answers."""
    port = free_port()
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "60", app_spec],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited with {proc.returncode}; see {log_path}")
            try:
                if fetch("127.0.0.1", port, Target("ready", ready_path), timeout=2)[0] < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app_spec} did not answer on port {port}")
            time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if log is not subprocess.DEVNULL:
            log.close()
