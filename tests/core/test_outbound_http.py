"""The webhook and SMS gateway adapters against a real HTTP server on loopback, through ``build_outbound``:
success, 5xx then success, a refusal, a timeout, a refused connection, one bad address among good ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.core.outbound_support import Loopback, RecordingSleep, Reply, free_port, loopback_http

from citysafe.core.config import Settings
from citysafe.core.outbound import Message, Outbound, build_outbound

NOTICE = {"alarm_id": 123, "unit_name": "南京金陵购物中心", "address": "玄武区中山路1号"}


@pytest.fixture
def server() -> Iterator[Loopback]:
    with loopback_http() as loopback:
        yield loopback


def outbound(sleep: RecordingSleep, **settings: object) -> Outbound:
    values = {"outbound_channels": "webhook,sms", "outbound_sms_url": "http://127.0.0.1:9/unused",
              "outbound_backoff_seconds": 0.5, **settings}
    return build_outbound(Settings(**values), sleep=sleep)  # type: ignore[arg-type]


def hook(*urls: str, drill: bool = False, timeout: float | None = None) -> Message:
    return Message(channel="webhook", recipients=urls, payload=NOTICE, correlation_key="alarm:123:forward_119",
                   drill=drill, timeout_seconds=timeout)


# --- webhook -------------------------------------------------------------------------------------------

def test_webhook_delivers_the_payload_and_keeps_the_reference(server: Loopback) -> None:
    by_body = server.on("/119", Reply(201, {"id": "J-2026-0001"}))
    by_header = server.on("/duty", Reply(200, headers={"x-reference": "R-9"}))
    bare = server.on("/bare", Reply(204))
    sleep = RecordingSleep()
    report = outbound(sleep, outbound_webhook_token="s3cret").send(hook(by_body, by_header, bare))
    assert [(r.status, r.reference, r.attempts) for r in report.results] == [
        ("delivered", "J-2026-0001", 1), ("delivered", "R-9", 1), ("delivered", "HTTP 204", 1)]
    [received] = server.at("/119")
    assert received.body == NOTICE  # verbatim, Chinese intact
    assert received.headers["idempotency-key"] == "alarm:123:forward_119"
    assert received.headers["authorization"] == "Bearer s3cret"
    assert "x-citysafe-drill" not in received.headers
    assert sleep.pauses == []


def test_webhook_marks_a_drill_in_body_and_header(server: Loopback) -> None:
    url = server.on("/hook", Reply(200))
    plain = server.on("/plain", Reply(200))
    sender = outbound(RecordingSleep())
    assert sender.send(hook(url, drill=True)).all_delivered
    assert sender.send(Message(channel="webhook", recipients=(plain,), subject="演练", text="疏散",
                               correlation_key="warning:5", drill=True)).all_delivered
    [received] = server.at("/hook")
    assert received.body == {**NOTICE, "drill": True}
    assert received.headers["x-citysafe-drill"] == "1"
    assert server.at("/plain")[0].body == {"subject": "演练", "text": "疏散", "correlation_key": "warning:5",
                                           "drill": True}


def test_webhook_retries_a_5xx_then_delivers(server: Loopback) -> None:
    url = server.on("/119", Reply(503, {"error": "busy"}), Reply(200, {"reference": "ok-2"}))
    sleep = RecordingSleep()
    [result] = outbound(sleep).send(hook(url)).results
    assert (result.status, result.attempts, result.reference) == ("delivered", 2, "ok-2")
    assert sleep.pauses == [0.5]
    assert len(server.at("/119")) == 2


def test_webhook_does_not_retry_a_4xx(server: Loopback) -> None:
    url = server.on("/119", Reply(422, {"error": "unknown unit"}))
    [result] = outbound(RecordingSleep()).send(hook(url)).results
    assert (result.status, result.attempts) == ("failed", 1)
    assert result.error.startswith("HTTP 422")


def test_webhook_timeout_is_retried_and_reported(server: Loopback) -> None:
    url = server.on("/slow", Reply(hang=True))
    sleep = RecordingSleep()
    [result] = outbound(sleep, outbound_max_attempts=2).send(hook(url, timeout=0.2)).results
    assert (result.status, result.attempts) == ("failed", 2)
    assert result.error.startswith("timeout")
    assert sleep.pauses == [0.5]


def test_webhook_connection_refused_and_bad_url_fail_alone(server: Loopback) -> None:
    refused = f"http://127.0.0.1:{free_port()}/119"
    good = server.on("/ok", Reply(200))
    report = outbound(RecordingSleep(), outbound_max_attempts=3).send(hook(refused, "ftp://example.cn/x", good))
    down, bad, ok = report.results
    assert (down.status, down.attempts) == ("failed", 3) and "ConnectError" in down.error
    assert (bad.status, bad.attempts, bad.error) == ("failed", 1, "not an http(s) URL")
    assert (ok.status, ok.attempts) == ("delivered", 1)


# --- SMS gateway ---------------------------------------------------------------------------------------

def sms_outbound(server: Loopback, *replies: Reply, **settings: object) -> Outbound:
    url = server.on("/sms", *replies)
    return outbound(RecordingSleep(), outbound_sms_url=url, outbound_sms_token="tok", outbound_sms_sign="城市安全",
                    outbound_sms_headers={"X-App-Key": "citysafe"}, **settings)


def test_sms_gateway_posts_each_phone_and_reports_segments(server: Loopback) -> None:
    text = "【消防远程监控】南京金陵购物中心，3号楼火警未确认，请消防控制室立即核实处置。" * 2
    sender = sms_outbound(server, Reply(200, {"ok": True, "id": "sms-1"}))
    report = sender.send(Message(channel="sms", recipients=("138 0000 0001", "+8613800000002"), text=text,
                                 correlation_key="alarm:7:remind", drill=True))
    assert [(r.status, r.reference, r.segments) for r in report.results] == [("delivered", "sms-1", 2)] * 2
    received = sorted(server.at("/sms"), key=lambda r: r.body["phone"])
    assert [r.body for r in received] == [{"phone": "+8613800000002", "text": f"【演练】{text}", "sign": "城市安全"},
                                          {"phone": "13800000001", "text": f"【演练】{text}", "sign": "城市安全"}]
    headers = received[1].headers
    assert (headers["authorization"], headers["x-app-key"]) == ("Bearer tok", "citysafe")
    assert headers["idempotency-key"] == "alarm:7:remind:13800000001"


def test_sms_one_bad_phone_does_not_fail_the_batch(server: Loopback) -> None:
    sender = sms_outbound(server, Reply(200, {"id": "x"}))
    report = sender.send(Message(channel="sms", recipients=("13800000001", "not-a-phone", "13800000003"),
                                 text="您的验证码是 482913", correlation_key="sms-code:9", sensitive=True))
    assert [r.status for r in report.results] == ["delivered", "failed", "delivered"]
    assert report.results[1].error == "not a phone number"
    assert len(server.at("/sms")) == 2


def test_sms_gateway_refusal_in_the_body_and_a_5xx_retry(server: Loopback) -> None:
    sender = sms_outbound(server, Reply(502), Reply(200, {"ok": False, "error": "blacklisted number"}))
    [result] = sender.send(Message(channel="sms", recipients=("13800000001",), text="测试",
                                   correlation_key="k:1")).results
    assert (result.status, result.attempts, result.error) == ("failed", 2, "blacklisted number")
