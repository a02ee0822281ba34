"""#16 point 6 on any app: a request id on every answer (the caller's when sane), HTTP figures by route template
on /metrics for loopback peers or the token only, the platform's queues, the health endpoint's parts, and log
lines as JSON objects carrying the request id."""

from __future__ import annotations

import json
import logging

from fastapi.testclient import TestClient
from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter

from citysafe.core import metrics
from citysafe.core.context import AppContext
from citysafe.core.observe import REQUEST_ID, RequestIdFilter, log_config


def _figures(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line and not line.startswith("#")}


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    mine = client.get("/api/v1/health", headers={"X-Request-ID": "nginx-4f2a.17"})
    assert mine.headers["x-request-id"] == "nginx-4f2a.17"
    forged = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\r\nSet-Cookie: x"})
    new = forged.headers["x-request-id"]
    assert len(new) == 32 and new != "bad id" and client.get("/nowhere").headers["x-request-id"]


def test_metrics_count_requests_by_route_for_the_monitoring_system_only(client: TestClient, ctx: AppContext) -> None:
    ctx.settings = ctx.settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    for _ in range(3):
        client.get("/api/v1/health")
    client.get("/api/v1/public/warnings/no-such-warning.xml")  # refused (422) on a templated route
    refused = client.get("/metrics")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    answer = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    figures = _figures(answer.text)
    assert figures['citysafe_http_requests_total{method="GET",route="/api/v1/health",status="200"}'] == 3
    assert figures['citysafe_http_requests_total{method="GET",route="/api/v1/public/warnings/{identifier}.xml",'
                   'status="422"}'] == 1
    assert figures['citysafe_http_request_seconds_count{method="GET",route="/api/v1/health"}'] == 3
    assert "citysafe_outbox_pending" in figures and 'citysafe_alarms_open' not in answer.text.split("TYPE")[0]


def test_a_loopback_peer_may_read_and_others_may_not() -> None:
    assert metrics.may_read("127.0.0.1", "", "") and metrics.may_read("::1", "", "")
    assert not metrics.may_read("10.0.0.5", "", "") and not metrics.may_read("testclient", "", "")
    assert metrics.may_read("10.0.0.5", "t0k", "t0k") and not metrics.may_read("10.0.0.5", "", "")


def test_the_health_parts_say_what_runs_here(client: TestClient) -> None:
    answer = client.get("/api/v1/health/components")
    assert answer.status_code == 200
    parts = answer.json()["components"]
    assert parts["database"]["ok"] is True and parts["database"]["backend"] in ("sqlite", "postgresql")
    assert {parts[p]["ok"] for p in ("gateway", "writer", "nats", "mqtt")} == {None}  # none runs in this app


def test_json_log_lines_carry_the_request_id() -> None:
    settings = log_config("json")["formatters"]["main"]
    formatter = JsonFormatter(settings["fmt"], rename_fields=settings["rename_fields"])
    record = logging.LogRecord("citysafe.access", logging.INFO, __file__, 1, "GET %s %d", ("/", 200), None)
    token = REQUEST_ID.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "GET / 200" and line["request_id"] == "abc123"
    assert line["level"] == "INFO" and line["logger"] == "citysafe.access" and "time" in line
