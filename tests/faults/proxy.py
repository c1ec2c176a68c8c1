"""A TCP proxy on loopback in front of a real server, for a test to cut and restore: a process that connects
through it loses its database while the server itself stays up for everything else.

``cut()`` closes the listening socket (new connections are refused) and every connection open through it
(what the process held is reset); ``restore()`` listens again on the same port."""
from __future__ import annotations

import socket
import threading


class Proxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self.upstream = (upstream_host, upstream_port)
        self.lock = threading.Lock()
        self.open: list[list[socket.socket]] = []  # [client, server] of each connection open through it
        self.connections = 0  # accepted so far: the worker did come back through the proxy
        self.listener: socket.socket | None = None
        self.port = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.listener is not listener:  # cut while connecting
                    client.close()
                    server.close()
                    return
                pair = [client, server]
                self.open.append(pair)
                self.connections += 1
            done = threading.Barrier(2, action=lambda pair=pair: self._close(pair))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target, pair, done), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, pair: list, done: threading.Barrier) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        _shutdown(pair)  # one side ended: end the other (wakes the other pump)
        done.wait()  # the sockets are closed once, when both pumps are out of them (no fd reused under one)

    def _close(self, pair: list) -> None:
        with self.lock:
            if pair in self.open:
                self.open.remove(pair)
        for sock in pair:
            sock.close()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            held = list(self.open)
        if listener is not None:
            _shutdown([listener])  # wakes the thread blocked in accept()
            listener.close()
        for pair in held:
            _shutdown(pair)  # each connection reset; its pumps close it

    def restore(self) -> None:
        if self.listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _shutdown(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
