"""A bounded load generator: ``concurrency`` threads, each with its own keep-alive http.client
connection (re-opened when the server closes it, as gunicorn's sync workers do after each response),
sending one request after another until the duration or the request budget runs out."""
import http.client
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Target:
    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    kind: str = "read"  # "read" pages are held to the targets; "write" and "probe" are reported only
    headers: dict = field(default_factory=dict)


@dataclass
class Result:
    requests: int
    errors: int
    statuses: dict
    seconds: float
    latencies_ms: list

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {"requests": self.requests, "errors": self.errors, "statuses": self.statuses,
                "seconds": round(self.seconds, 2), "rps": round(self.rps, 1),
                "p50_ms": round(self.percentile(50), 2), "p99_ms": round(self.percentile(99), 2)}


def fetch(host: str, port: int, target: Target, timeout: float = 10) -> tuple[int, bytes, dict]:
    """One request on a fresh connection: (status, body, headers)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(target.method, target.path, body=target.body, headers=_headers(target))
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def _headers(target: Target) -> dict:
    headers = {"Accept": "text/html", **target.headers}
    if target.body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return headers


def run(host: str, port: int, target: Target, *, duration: float = 5.0, concurrency: int = 8,
        max_requests: int = 200_000, warmup: float = 0.5) -> Result:
    """Load one target; warm-up requests are sent but not counted."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    sent = [0]
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration
    headers = _headers(target)

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        local, local_status, local_errors = [], {}, 0
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            began = time.perf_counter()
            try:
                conn.request(target.method, target.path, body=target.body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                if began >= start_at:
                    local_errors += 1
                continue
            if began >= start_at:
                local.append((time.perf_counter() - began) * 1000)
                local_status[status] = local_status.get(status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += local_errors
            for status, count in local_status.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + warmup + 30)
    measured = min(time.perf_counter(), stop_at) - start_at
    return Result(requests=len(latencies), errors=errors[0], statuses=statuses, seconds=max(measured, 1e-9),
                  latencies_ms=latencies)
