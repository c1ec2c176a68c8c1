"""A real HTTP receiver on loopback for webhook tests: a ThreadingHTTPServer in a thread that records each
POST (headers, body) and answers with ``status`` (settable while it runs). ``delay`` seconds before answering
(a hanging receiver); ``hold``, an Event set by the test, makes the first request wait for it (``arrived`` is
set when it came), to kill a worker in the middle of a delivery."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, status: int = 200, delay: float = 0.0, hold: threading.Event | None = None):
        self.status = status
        self.delay = delay
        self.hold = hold
        self.arrived = threading.Event()
        self.received: list[tuple[dict[str, str], str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                with receiver.lock:
                    first = not receiver.arrived.is_set()
                    receiver.arrived.set()
                if first and receiver.hold is not None:
                    receiver.hold.wait(60)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                answer = b'{"received": true}' if receiver.status < 300 else b"receiver broke"
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the sender gave up (timed out, or was killed)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
