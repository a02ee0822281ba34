"""Test doubles of core.outbound's tests: a scripted HTTP server on loopback, a sleep that only records,
a scripted adapter."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from citysafe.core.outbound import Attempt, Channel, Message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # hold the answer until the test releases it (the client's timeout fires first)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


class Loopback:
    """A real HTTP server on 127.0.0.1 answering each POST with the next scripted ``Reply`` of its path
    (the last one repeats), recording what it received."""

    def __init__(self) -> None:
        self.script: dict[str, list[Reply]] = {}
        self.received: list[Received] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def on(self, path: str, *replies: Reply) -> str:
        self.script[path] = list(replies)
        return self.url(path)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def _next(self, path: str) -> Reply:
        with self._lock:
            replies = self.script.get(path) or [Reply(404)]
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                with loopback._lock:
                    loopback.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                      json.loads(raw) if raw else None))
                reply = loopback._next(self.path)
                if reply.hang:
                    loopback.release.wait(10)
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in {"content-type": "application/json", **reply.headers}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                pass

        return Handler


@contextmanager
def loopback_http() -> Iterator[Loopback]:
    loopback = Loopback()
    thread = threading.Thread(target=loopback.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield loopback
    finally:
        loopback.release.set()
        loopback.server.shutdown()
        loopback.server.server_close()
        thread.join(5)


@dataclass
class RecordingSleep:
    """Stands in for ``time.sleep``: records the pauses, waits for none."""

    pauses: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


@dataclass
class ScriptedAdapter:
    """Answers each recipient from a script of attempts (the last repeats); counts the calls."""

    channel: Channel = "sms"
    accepts_drills: bool = True
    test_only: bool = False
    script: dict[str, list[Attempt]] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    raises: Exception | None = None

    def deliver(self, message: Message, recipients: Sequence[str]) -> list[Attempt]:
        self.calls.append(tuple(recipients))
        if self.raises is not None:
            raise self.raises
        out = []
        for recipient in recipients:
            replies = self.script.get(recipient) or [Attempt(recipient, "delivered", reference=f"ok-{recipient}")]
            out.append(replies.pop(0) if len(replies) > 1 else replies[0])
        return out
