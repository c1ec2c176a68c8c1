"""A bounded load generator: ``concurrency`` threads, each with its own keep-alive http.client
connection (re-opened when the server closes it, as gunicorn's sync workers do after each response),
sending one request after another until the duration or the request budget runs out.

A target asks for one URL, or for many (``paths``): in turn (``order="cycle"``, one counter shared by the
threads and kept across rounds, so a later round asks for URLs no earlier round asked for) or drawn from a
Zipf distribution over them (``order="zipf"``, rank 1 = the first path). A target with ``login`` logs each
client thread in once before the timed part (not counted) and sends its cookies with every request, as a
browser does."""
import bisect
import http.client
import itertools
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Target:
    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    kind: str = "read"  # "read" pages are held to the targets; "write" and "probe" are reported only
    headers: dict = field(default_factory=dict)
    paths: tuple[str, ...] = ()  # many URLs: ``path`` is then the first, used by the probe
    order: str = "cycle"  # "cycle" or "zipf"
    zipf_s: float = 1.1
    login: Callable[[str, int], dict] | None = None  # (host, port) -> cookies of a logged-in visitor
    group: str = "classic"  # what ``python -m bench --only`` selects on
    server: str = "cached"  # "cached" (the portal as configured) or "cold" (page cache off)
    _turn: itertools.count = field(default_factory=itertools.count, repr=False)
    _weights: list = field(default_factory=list, repr=False)

    def chooser(self, seed: int) -> Callable[[], str]:
        """A function giving this thread's next path."""
        if not self.paths:
            return lambda: self.path
        paths = self.paths
        if self.order == "cycle":
            return lambda: paths[next(self._turn) % len(paths)]
        if not self._weights:
            total, cumulative = 0.0, []
            for rank in range(1, len(paths) + 1):
                total += 1 / rank ** self.zipf_s
                cumulative.append(total)
            self._weights = cumulative
        weights, rng = self._weights, random.Random(seed)
        return lambda: paths[min(bisect.bisect_left(weights, rng.random() * weights[-1]), len(paths) - 1)]


@dataclass
class Result:
    requests: int
    errors: int
    statuses: dict
    seconds: float
    latencies_ms: list
    hits: int = 0  # replies the page cache answered (X-Portico-Page-Cache: hit)

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
                "p50_ms": round(self.percentile(50), 2), "p99_ms": round(self.percentile(99), 2),
                "hit_ratio": round(self.hits / self.requests, 3) if self.requests else 0.0}


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


_COOKIE = re.compile(r"^\s*([^=;\s]+)=([^;]*)")


def keep_cookies(cookies: dict, headers: list[tuple[str, str]]) -> None:
    """Update ``cookies`` from a reply's ``Set-Cookie`` headers (name=value only: the bench's own jar)."""
    for name, value in headers:
        if name.lower() == "set-cookie" and (match := _COOKIE.match(value)):
            if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                cookies.pop(match.group(1), None)
            else:
                cookies[match.group(1)] = match.group(2)


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def form_login(login_path: str, email: str, password: str, expect: str) -> Callable[[str, int], dict]:
    """A ``Target.login``: fetch the login form (its CSRF token and session cookie), post the credentials,
    and check the redirect goes where a logged-in visitor goes (``expect`` in its Location)."""
    def login(host: str, port: int) -> dict:
        cookies: dict = {}
        status, body, headers = _request(host, port, "GET", login_path, None, cookies)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"login form {login_path}: {status}")
        form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password})
        status, _, headers = _request(host, port, "POST", login_path, form, cookies)
        location = dict((k.lower(), v) for k, v in headers).get("location", "")
        if status not in (302, 303) or expect not in location:
            raise RuntimeError(f"login {login_path} as {email}: {status} to {location!r}")
        return cookies
    return login


def _request(host, port, method, path, body, cookies) -> tuple[int, bytes, list]:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        headers = {"Accept": "text/html", "Cookie": cookie_header(cookies)}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data, headers_list = response.read(), response.getheaders()
        keep_cookies(cookies, headers_list)
        return response.status, data, headers_list
    finally:
        conn.close()


def run(host: str, port: int, target: Target, *, duration: float = 5.0, concurrency: int = 8,
        max_requests: int = 200_000, warmup: float = 0.5) -> Result:
    """Load one target; warm-up requests (and logins) are sent but not counted."""
    logins = [target.login("127.0.0.1" if host == "localhost" else host, port) if target.login else None
              for _ in range(concurrency)]
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    sent = [0]
    hits = [0]
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration
    base_headers = _headers(target)

    def worker(number: int):
        cookies = logins[number]
        headers = dict(base_headers)
        next_path = target.chooser(seed=number * 7919 + int(time.time()))
        conn = http.client.HTTPConnection(host, port, timeout=10)
        local, local_status, local_errors, local_hits = [], {}, 0, 0
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            with lock:
                if sent[0] >= max_requests:
                    break
                sent[0] += 1
            path = next_path()
            if cookies is not None:
                headers["Cookie"] = cookie_header(cookies)
            began = time.perf_counter()
            try:
                conn.request(target.method, path, body=target.body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                hit = response.getheader("X-Portico-Page-Cache") == "hit"
                if cookies is not None:
                    keep_cookies(cookies, response.getheaders())
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                if began >= start_at:
                    local_errors += 1
                continue
            if began >= start_at:
                local.append((time.perf_counter() - began) * 1000)
                local_status[status] = local_status.get(status, 0) + 1
                local_hits += hit
        conn.close()
        with lock:
            latencies.extend(local)
            hits[0] += local_hits
            errors[0] += local_errors
            for status, count in local_status.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + warmup + 30)
    measured = min(time.perf_counter(), stop_at) - start_at
    return Result(requests=len(latencies), errors=errors[0], statuses=statuses, seconds=max(measured, 1e-9),
                  latencies_ms=latencies, hits=hits[0])
