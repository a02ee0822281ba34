"""core.outbound without a network: the message model, drill marks, SMS segments, the log adapter's honest
not_sent, the sender's retries and refusals, and the settings that build it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.core.outbound_support import RecordingSleep, ScriptedAdapter

from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.core.outbound import (
    DRILL_PREFIX,
    LOG_ONLY,
    Attempt,
    LogAdapter,
    Message,
    Outbound,
    OutboundConfig,
    RetryPolicy,
    SmsGatewayAdapter,
    SmtpAdapter,
    WebhookAdapter,
    build_outbound,
    parse_channels,
    sms_segments,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def sms(*recipients: str, drill: bool = False) -> Message:
    return Message(channel="sms", recipients=recipients, text="火警未确认，请立即处置。",
                   correlation_key="alarm:7:remind", drill=drill)


# --- the message ---------------------------------------------------------------------------------------

def test_drill_marks_text_and_subject_once() -> None:
    message = Message(channel="email", recipients=("a@example.cn",), subject="演练通知", text="请疏散",
                      correlation_key="drill:1", drill=True)
    assert message.marked_subject() == "【演练】演练通知"
    assert message.marked_text() == "【演练】请疏散"
    already = message.model_copy(update={"text": f"{DRILL_PREFIX}请疏散"})
    assert already.marked_text() == "【演练】请疏散"
    live = message.model_copy(update={"drill": False})
    assert (live.marked_subject(), live.marked_text()) == ("演练通知", "请疏散")


def test_recipients_are_distinct_in_order() -> None:
    assert sms("138 0000 0001", "13800000002", "138 0000 0001").recipients == ("138 0000 0001", "13800000002")


@pytest.mark.parametrize("change", [
    {"recipients": ()},
    {"recipients": ("  ",)},
    {"correlation_key": "alarm:1\r\nBcc: x@example.cn"},
    {"correlation_key": ""},
    {"subject": "two\nlines"},
    {"channel": "fax"},
])
def test_a_malformed_message_is_refused_when_built(change: dict[str, object]) -> None:
    fields: dict[str, object] = {"channel": "sms", "recipients": ("13800000000",), "correlation_key": "k:1"}
    with pytest.raises(ValidationError):
        Message.model_validate({**fields, **change})


# --- SMS segments --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "sign", "segments"), [
    ("", "", 1), ("火" * 70, "", 1), ("火" * 71, "", 2), ("a" * 134, "", 2), ("a" * 135, "", 3),
    ("火" * 66, "消防", 1), ("火" * 67, "消防", 2),  # 【消防】 is 4 characters of the 70
    ("🔥" * 35, "", 1), ("🔥" * 36, "", 2),  # beyond the BMP: two UCS-2 units each
], ids=["empty", "70", "71", "ascii-134", "ascii-135", "signed-70", "signed-71", "emoji-70", "emoji-72"])
def test_sms_segments_examples(text: str, sign: str, segments: int) -> None:
    assert sms_segments(text, sign) == segments


@given(st.text(max_size=700), st.text(max_size=12))
def test_sms_segments_cover_the_text_and_no_more(text: str, sign: str) -> None:
    units = len((text + (f"【{sign}】" if sign else "")).encode("utf-16-le")) // 2
    segments = sms_segments(text, sign)
    if units <= 70:
        assert segments == 1
    else:
        assert (segments - 1) * 67 < units <= segments * 67


# --- the log adapter -----------------------------------------------------------------------------------

def test_log_adapter_says_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    outbound = Outbound([LogAdapter()], sleep=RecordingSleep(), clock=FixedClock(T0))
    message = Message(channel="log", recipients=("duty",), subject="火警", text="请核实", correlation_key="alarm:1:x")
    with caplog.at_level(logging.WARNING, logger="citysafe.core.outbound"):
        report = outbound.send(message)
    [result] = report.results
    assert (result.status, result.delivered, result.error) == ("not_sent", False, LOG_ONLY)
    assert LOG_ONLY == "log only: nothing left the platform"
    assert (result.attempts, result.sent_at) == (1, T0)  # written once, not retried
    assert not report.any_delivered
    assert "请核实" in caplog.text


def test_log_adapter_withholds_sensitive_text(caplog: pytest.LogCaptureFixture) -> None:
    message = Message(channel="log", recipients=("13800000000",), text="验证码 482913", correlation_key="sms-code:9",
                      sensitive=True)
    with caplog.at_level(logging.WARNING, logger="citysafe.core.outbound"):
        Outbound([LogAdapter()]).send(message)
    assert "482913" not in caplog.text


# --- the sender: retries, per-recipient results, refusals ----------------------------------------------

def test_transient_failures_are_retried_with_backoff_per_recipient() -> None:
    adapter = ScriptedAdapter(script={
        "13800000001": [Attempt("13800000001", "failed", error="HTTP 503", transient=True),
                        Attempt("13800000001", "delivered", reference="g-1")],
        "12": [Attempt("12", "failed", error="not a phone number")],
    })
    sleep = RecordingSleep()
    outbound = Outbound([adapter], retry=RetryPolicy(max_attempts=3, backoff_seconds=0.5), sleep=sleep,
                        clock=FixedClock(T0))
    report = outbound.send(sms("13800000001", "12", "13800000003"))
    assert [(r.recipient, r.status, r.attempts) for r in report.results] == [
        ("13800000001", "delivered", 2), ("12", "failed", 1), ("13800000003", "delivered", 1)]
    assert report.results[0].reference == "g-1"
    assert adapter.calls == [("13800000001", "12", "13800000003"), ("13800000001",)]
    assert sleep.pauses == [0.5]
    assert "1 failed" in report.summary() and "not a phone number" in report.summary()


def test_attempts_are_bounded_and_backoff_grows() -> None:
    down = Attempt("13800000001", "failed", error="timeout", transient=True)
    sleep = RecordingSleep()
    outbound = Outbound([ScriptedAdapter(script={"13800000001": [down]})],
                        retry=RetryPolicy(max_attempts=4, backoff_seconds=1, factor=2, max_backoff_seconds=3),
                        sleep=sleep)
    [result] = outbound.send(sms("13800000001")).results
    assert (result.status, result.attempts, result.error) == ("failed", 4, "timeout")
    assert sleep.pauses == [1, 2, 3]
    [once] = outbound.send(sms("13800000001"), max_attempts=1).results
    assert once.attempts == 1


def test_an_adapter_that_raises_fails_its_recipients_without_raising() -> None:
    adapter = ScriptedAdapter(raises=RuntimeError("bug"))
    report = Outbound([adapter], sleep=RecordingSleep()).send(sms("13800000001", "13800000002"))
    assert [(r.status, r.attempts) for r in report.results] == [("failed", 1), ("failed", 1)]
    assert report.results[0].error == "adapter error: RuntimeError: bug"
    assert len(adapter.calls) == 1  # a bug is not retried


def test_a_missing_answer_is_a_failure() -> None:
    class Forgetful(ScriptedAdapter):
        def deliver(self, message: Message, recipients: object) -> list[Attempt]:
            return []

    [result] = Outbound([Forgetful()]).send(sms("13800000001")).results
    assert (result.status, result.error) == ("failed", "the adapter gave no result")


def test_refusals_are_not_sent_without_calling_the_adapter() -> None:
    live_only = ScriptedAdapter(channel="sms", accepts_drills=False)
    staging = ScriptedAdapter(channel="webhook", test_only=True)
    outbound = Outbound([live_only, staging])
    [drill] = outbound.send(sms("13800000001", drill=True)).results
    assert (drill.status, drill.attempts, drill.sent_at) == ("not_sent", 0, None)
    assert "refuse drills" in drill.error
    hook = Message(channel="webhook", recipients=("http://127.0.0.1:9/x",), correlation_key="k:1")
    [live] = outbound.send(hook).results
    assert live.status == "not_sent" and "drills and tests only" in live.error
    [off] = outbound.send(Message(channel="email", recipients=("a@example.cn",), correlation_key="k:2")).results
    assert off.status == "not_sent" and "not enabled" in off.error
    assert live_only.calls == staging.calls == []
    assert outbound.send(hook.model_copy(update={"drill": True})).all_delivered


def test_outbound_refuses_a_channel_twice_or_one_that_sends_nothing() -> None:
    with pytest.raises(ValueError, match="two adapters"):
        Outbound([LogAdapter(), LogAdapter()])
    with pytest.raises(ValueError, match="sends nothing"):
        Outbound([ScriptedAdapter(accepts_drills=False, test_only=True)])


async def test_send_async() -> None:
    report = await Outbound([ScriptedAdapter()]).send_async(sms("13800000001"))
    assert report.all_delivered


# --- settings ------------------------------------------------------------------------------------------

def test_an_unknown_channel_is_refused_naming_the_allowed() -> None:
    with pytest.raises(ValueError, match="unknown outbound channel 'smtpp'; allowed: log, webhook, email, sms"):
        parse_channels("log, smtpp")
    with pytest.raises(ValueError, match=r"^CITYSAFE_OUTBOUND_CHANNELS: unknown outbound channel 'smtpp'; allowed: "
                                         r"log, webhook, email, sms$"):
        build_outbound(Settings(outbound_channels="log,smtpp"))
    with pytest.raises(ValueError, match="CITYSAFE_OUTBOUND_REFUSE_DRILLS: unknown outbound channel 'fax'"):
        build_outbound(Settings(outbound_refuse_drills="fax"))


@pytest.mark.parametrize(("settings", "needs"), [
    ({"outbound_channels": "email", "outbound_smtp_host": "mail.example.cn"}, "CITYSAFE_OUTBOUND_SMTP_FROM"),
    ({"outbound_channels": "sms"}, "CITYSAFE_OUTBOUND_SMS_URL"),
    ({"outbound_refuse_drills": "sms", "outbound_test_only": "sms"}, "send nothing"),
])
def test_an_enabled_channel_without_its_server_is_refused(settings: dict[str, str], needs: str) -> None:
    with pytest.raises(ValueError, match=needs):
        build_outbound(Settings(**settings))  # type: ignore[arg-type]


def test_build_outbound_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"CHANNELS": "log, webhook,email ,sms", "REFUSE_DRILLS": "webhook", "TEST_ONLY": "log",
                        "SMTP_HOST": "127.0.0.1", "SMTP_FROM": "城市安全平台 <noreply@example.cn>",
                        "SMS_URL": "http://127.0.0.1:9/sms", "SMS_HEADERS": '{"X-App": "citysafe"}',
                        "MAX_ATTEMPTS": "5"}.items():
        monkeypatch.setenv(f"CITYSAFE_OUTBOUND_{name}", value)
    assert build_outbound(OutboundConfig()).channels == ("log",)  # the default
    outbound = build_outbound(Settings())
    assert outbound.channels == ("log", "webhook", "email", "sms")
    assert outbound.retry.max_attempts == 5
    webhook, email, gateway = outbound.adapter("webhook"), outbound.adapter("email"), outbound.adapter("sms")
    assert isinstance(webhook, WebhookAdapter) and not webhook.accepts_drills
    assert isinstance(email, SmtpAdapter) and email.envelope_from == "noreply@example.cn"
    assert isinstance(gateway, SmsGatewayAdapter) and gateway.url == "http://127.0.0.1:9/sms"
    assert outbound.adapter("log") is not None and outbound.adapter("log").test_only  # type: ignore[union-attr]
