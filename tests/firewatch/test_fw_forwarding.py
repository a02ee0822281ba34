"""119 forwarders: the webhook adapter against a real loopback HTTP server, the log adapter, settings."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from citysafe.core.config import Settings
from citysafe.firewatch.alarms.forwarding import LogForwarder, WebhookForwarder, build_forwarder

received: list[dict[str, Any]] = []


class _Centre(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        received.append(body)
        status = 503 if body.get("alarm_id") == 13 else 201
        self.send_response(status)
        self.send_header("x-reference", f"119-{body.get('alarm_id')}")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def centre() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Centre)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alarms"
    server.shutdown()
    server.server_close()


def test_webhook_posts_the_notice_and_reports_failures(centre: str) -> None:
    forwarder = WebhookForwarder(centre, timeout=3.0)
    ok = forwarder.forward({"alarm_id": 7, "unit_name": "南京金陵购物中心", "description": "3层A区火警"})
    assert ok.ok and ok.reference == "119-7"
    assert received[-1]["unit_name"] == "南京金陵购物中心"
    down = forwarder.forward({"alarm_id": 13})
    assert not down.ok and "503" in down.error
    closed = WebhookForwarder("http://127.0.0.1:9/none", timeout=1.0).forward({"alarm_id": 1})
    assert not closed.ok and closed.error


def test_forwarder_from_settings() -> None:
    assert isinstance(build_forwarder(Settings()), LogForwarder)
    assert LogForwarder().forward({"alarm_id": 1}).ok
    hook = build_forwarder(Settings(firewatch_forwarder="webhook", firewatch_forward_url="http://127.0.0.1:1/x"))
    assert isinstance(hook, WebhookForwarder)
    with pytest.raises(ValueError, match="FORWARD_URL"):
        build_forwarder(Settings(firewatch_forwarder="webhook"))
    with pytest.raises(ValueError, match="unknown"):
        build_forwarder(Settings(firewatch_forwarder="pigeon"))
