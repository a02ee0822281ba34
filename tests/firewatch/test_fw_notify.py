"""Notifications of unacknowledged fire alarms: the timer's reminder tells the unit's contact, each
escalation the division it went up to; every attempt is on the alarm's timeline, a failed one too."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from tests.firewatch.fakes import FAKE_GATEWAY, RecordingAdapter, fake_notifier, install
from tests.firewatch.fw_support import FAULT, FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import Attempt, LogAdapter, Message, Outbound, WebhookAdapter
from citysafe.firewatch import handlers
from citysafe.firewatch.alarms import notify
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.alarms.models import AlarmAction
from citysafe.firewatch.alarms.notify import Notifier, build_notifier
from citysafe.firewatch.alarms.timers import TickReport, tick
from citysafe.firewatch.alarms.workflow import alarm_detail, transition
from citysafe.firewatch.config import FirewatchConfig
from citysafe.firewatch.events import NoticeRetryDue
from citysafe.firewatch.registry.models import FireUnit

CONFIG = FirewatchConfig(remind_after=timedelta(minutes=3), escalate_after=timedelta(minutes=5))
CLOCK = FixedClock(T0)  # the notifier's: set to each tick's time, as the running service's clock would be


def _subscribe(ctx: AppContext, notifier: Notifier) -> None:
    """Events of this test's database delivered to firewatch's handlers, notices through ``notifier``."""
    install(ctx, notifier=notifier)
    handlers.register(ctx.bus)


@pytest.fixture
def fake(ctx: AppContext) -> RecordingAdapter:
    """The notifier's webhook is a recording adapter."""
    adapter = RecordingAdapter()
    _subscribe(ctx, fake_notifier(adapter, CLOCK))
    return adapter


def _webhook(transport: httpx.MockTransport) -> Notifier:
    adapter = WebhookAdapter(timeout=2.0, transport=transport)
    return Notifier(outbound=Outbound([adapter], sleep=lambda _: None), channel="webhook", url=FAKE_GATEWAY,
                    timeout_seconds=2.0, clock=CLOCK)


def _tick(ctx: AppContext, minutes: float) -> TickReport:
    CLOCK.set(T0 + timedelta(minutes=minutes))
    with unit_of_work(ctx.session_factory, actor="system:timer") as session:
        return tick(session, now=CLOCK.now(), config=CONFIG, forwarder=links(ctx).forwarder)


def _fire(ctx: AppContext, address: int = 100001, status: int = FIRE) -> int:
    return ingest(ctx, [component_frame(address, status, description="3层A区感烟")], FixedClock(T0))[0].alarms_raised[0]


def _notified(ctx: AppContext, alarm_id: int) -> list[AlarmAction]:
    with ctx.session_factory() as session:
        return list(session.execute(select(AlarmAction).where(AlarmAction.alarm_id == alarm_id,
                                                              AlarmAction.action == "notify")
                                    .order_by(AlarmAction.id)).scalars())


def test_a_reminder_notifies_the_unit_contact_once(ctx: AppContext, fake: RecordingAdapter) -> None:
    ids = make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    assert _tick(ctx, 2).reminded == [] and fake.notices == []
    assert _tick(ctx, 3).reminded == [alarm_id]
    assert _tick(ctx, 4).reminded == []
    [notice] = fake.notices
    assert notice == {
        "type": "reminder", "alarm_id": alarm_id, "kind": "fire", "kind_name": "火警",
        "unit_id": ids["unit_id"], "unit_name": "南京金陵购物中心", "address": "玄武区中山路1号",
        "device_address": "100001", "component": notice["component"], "description": "3层A区感烟",
        "first_received_at": "2026-03-01T10:00:00+08:00", "level": 0,
        "region_code": "320102002", "region_name": "梅园新村街道",
        "to": {"region_code": None, "phones": ["13800000000"], "name": "王伟"}, "message": notice["message"],
    }
    assert notice["message"].startswith("【消防远程监控】南京金陵购物中心（玄武区中山路1号），")
    assert "火警未确认" in notice["message"] and "2026-03-01 10:00:00" in notice["message"]
    [action] = _notified(ctx, alarm_id)
    assert action.actor == "system:webhook" and action.at == T0 + timedelta(minutes=3) and action.to_state == "new"
    assert action.data["ok"] is True and action.data["status"] == "delivered"
    assert action.data["channel"] == "unit_contact"
    [delivery] = action.data["deliveries"]
    assert delivery["recipient"] == FAKE_GATEWAY and delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert action.data["to"]["phones"] == ["13800000000"]
    assert action.note == "已通知单位联系人 王伟 13800000000"


def test_each_escalation_notifies_the_division_it_went_up_to(ctx: AppContext, fake: RecordingAdapter) -> None:
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    assert _tick(ctx, 5).escalated == [alarm_id]  # reminded and escalated in one run
    assert _tick(ctx, 10).escalated == [alarm_id]
    assert [(n["type"], n["level"], n["region_code"], n["region_name"]) for n in fake.notices] == [
        ("reminder", 0, "320102002", "梅园新村街道"), ("escalation", 1, "320102", "玄武区"),
        ("escalation", 2, "320100", "南京市")]
    first = fake.notices[1]
    assert first["to"] == {"region_code": "320102", "phones": [], "name": "玄武区值班人员"}
    assert "火警未确认，已升级至玄武区（第1级）" in first["message"]
    with ctx.session_factory() as session:
        timeline = [(a.action, a.data.get("level")) for a in alarm_detail(session, alarm_id=alarm_id).actions]
    assert timeline == [("remind", None), ("escalate", 1), ("notify", 0), ("notify", 1), ("escalate", 2),
                        ("notify", 2)]
    assert [a.data["channel"] for a in _notified(ctx, alarm_id)] == ["unit_contact", "region_duty", "region_duty"]


def test_no_database_lock_is_held_while_the_notice_is_out(ctx: AppContext, fake: RecordingAdapter) -> None:
    """Another writer (the gateway's) gets the database at once while the SMS gateway is being called."""
    sqlite = ctx.engine.dialect.name == "sqlite"
    took_lock: list[bool] = []
    send = fake.deliver

    def notify_while_writing(message: Message, recipients: Any) -> list[Attempt]:
        with ctx.engine.connect() as conn:
            pragma = conn.connection.cursor().execute if sqlite else None  # beside SQLAlchemy's transaction
            if pragma:
                pragma("PRAGMA busy_timeout=200")  # fail fast instead of waiting 30 s
            try:
                conn.exec_driver_sql("SELECT 1")  # begins: BEGIN IMMEDIATE on SQLite, the write lock
                conn.commit()
                took_lock.append(True)
            finally:
                if pragma:
                    pragma("PRAGMA busy_timeout=30000")
        return send(message, recipients)

    fake.deliver = notify_while_writing  # type: ignore[method-assign]
    make_unit(ctx, address=100001)
    _fire(ctx)
    _tick(ctx, 5)
    assert took_lock == [True, True] and len(fake.notices) == 2
    fake.fail = 1  # the second escalation's notice fails; its retry must not run inside the tick either
    assert _tick(ctx, 10).escalated and _tick(ctx, 11).renotified
    assert took_lock == [True] * 4 and len(fake.notices) == 3


def test_nothing_is_notified_for_an_alarm_acknowledged_in_time(ctx: AppContext, fake: RecordingAdapter) -> None:
    make_unit(ctx, address=100001)
    alarm_id = _fire(ctx)
    with unit_of_work(ctx.session_factory) as session:
        transition(session, alarm_id=alarm_id, action="acknowledge", actor="op", at=T0 + timedelta(minutes=1))
    report = _tick(ctx, 30)
    assert report.reminded == [] and report.escalated == []
    assert fake.notices == [] and _notified(ctx, alarm_id) == []


def test_a_notice_delivered_after_the_alarm_was_acknowledged_is_dropped(
    ctx: AppContext, fake: RecordingAdapter,
) -> None:
    """An event delivered late (retried after a crash) finds the alarm acknowledged meanwhile."""
    make_unit(ctx, address=100001)
    alarm_id = _fire(ctx)
    with unit_of_work(ctx.session_factory) as session:
        transition(session, alarm_id=alarm_id, action="acknowledge", actor="op", at=T0 + timedelta(minutes=4))
    with unit_of_work(ctx.session_factory) as session:
        assert notify.notify_escalated(session, alarm_id=alarm_id, level=1, region_code="320102",
                                       notifier=links(ctx).notifier) is None
    assert fake.notices == []


def test_no_contact_phone_and_non_fire_kinds(ctx: AppContext, fake: RecordingAdapter) -> None:
    unregistered = _fire(ctx, address=555)  # no unit, so no one to phone: recorded as not notified
    fault = _fire(ctx, address=556, status=FAULT)  # reminded on the board only
    assert set(_tick(ctx, 3).reminded) == {unregistered, fault}
    assert fake.notices == [] and _notified(ctx, fault) == []
    [action] = _notified(ctx, unregistered)
    assert action.data["ok"] is False and "联系电话" in action.note


def _attempts(ctx: AppContext, alarm_id: int) -> list[tuple[str, int, bool]]:
    return [(a.data["channel"], a.data["level"], a.data["ok"]) for a in _notified(ctx, alarm_id)]


def test_a_failed_escalation_notice_is_retried_by_the_next_tick(ctx: AppContext, fake: RecordingAdapter) -> None:
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    assert _tick(ctx, 3).reminded == [alarm_id]
    fake.fail = 1
    report = _tick(ctx, 5)
    assert report.escalated == [alarm_id] and report.renotified == []  # failed after this tick committed
    assert _tick(ctx, 6).renotified == [alarm_id]
    assert _tick(ctx, 7).renotified == []  # went out: nothing more to retry
    assert [(n["type"], n["level"], n["region_code"]) for n in fake.notices] == [
        ("reminder", 0, "320102002"), ("escalation", 1, "320102")]
    assert _attempts(ctx, alarm_id) == [("unit_contact", 0, True), ("region_duty", 1, False),
                                        ("region_duty", 1, True)]
    retry = _notified(ctx, alarm_id)[-1]
    assert retry.at == T0 + timedelta(minutes=6) and retry.data["attempt"] == 2
    assert retry.data["to"] == {"region_code": "320102", "phones": [], "name": "玄武区值班人员"}


def test_retries_stop_at_the_maximum(ctx: AppContext, fake: RecordingAdapter) -> None:
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    _tick(ctx, 3)
    fake.fail = 100
    _tick(ctx, 5)  # the first attempt of the level 1 notice
    retried = [_tick(ctx, 5 + minute / 2).renotified for minute in range(1, 9)]  # minutes 5.5 … 9
    assert retried == [[alarm_id]] * (notify.MAX_ATTEMPTS - 1) + [[]] * (9 - notify.MAX_ATTEMPTS)
    assert _attempts(ctx, alarm_id)[1:] == [("region_duty", 1, False)] * notify.MAX_ATTEMPTS
    assert fake.notices[1:] == []


def test_no_retry_once_the_alarm_is_acknowledged(ctx: AppContext, fake: RecordingAdapter) -> None:
    make_unit(ctx, address=100001)
    alarm_id = _fire(ctx)
    fake.fail = 2  # the reminder and the first escalation
    _tick(ctx, 5)
    with unit_of_work(ctx.session_factory) as session:
        transition(session, alarm_id=alarm_id, action="acknowledge", actor="op", at=T0 + timedelta(minutes=5.5))
    assert _tick(ctx, 6).renotified == []
    assert fake.notices == [] and [ok for _, _, ok in _attempts(ctx, alarm_id)] == [False, False]


def test_a_retry_published_twice_is_made_once(ctx: AppContext, fake: RecordingAdapter) -> None:
    """A tick that publishes the same retry before the first was delivered, or an outbox redelivery,
    must not phone the duty officer twice."""
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    _tick(ctx, 3)
    fake.fail = 1
    _tick(ctx, 5)
    retry = NoticeRetryDue(alarm_id=alarm_id, channel="region_duty", level=1, region_code="320102",
                                  attempt=2)
    for _ in range(2):
        with unit_of_work(ctx.session_factory) as session:
            notify.notify_again(session, retry, notifier=links(ctx).notifier)
    assert len(fake.notices) == 2 and len(_notified(ctx, alarm_id)) == 3
    assert _tick(ctx, 6).renotified == []


def test_a_reminder_with_no_phone_is_not_retried(ctx: AppContext, fake: RecordingAdapter) -> None:
    ids = make_unit(ctx, address=100001)
    with unit_of_work(ctx.session_factory) as session:
        session.get(FireUnit, ids["unit_id"]).contact_phone = ""  # type: ignore[union-attr]
    alarm_id = _fire(ctx)
    unregistered = _fire(ctx, address=555)
    assert set(_tick(ctx, 3).reminded) == {alarm_id, unregistered}
    assert _tick(ctx, 4).renotified == []
    assert _attempts(ctx, alarm_id) == [("unit_contact", 0, False)] == _attempts(ctx, unregistered)
    assert fake.notices == []


def test_the_webhook_posts_the_notice(ctx: AppContext) -> None:
    received: list[dict[str, Any]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(202, headers={"x-reference": "sms-42"})

    _subscribe(ctx, _webhook(httpx.MockTransport(gateway)))
    make_unit(ctx, address=100001)
    alarm_id = _fire(ctx)
    _tick(ctx, 3)
    [body] = received
    assert body["alarm_id"] == alarm_id and body["to"]["phones"] == ["13800000000"] and body["message"]
    [action] = _notified(ctx, alarm_id)
    assert action.actor == "system:webhook" and action.data["ok"] and action.data["reference"] == "sms-42"


@pytest.mark.parametrize("answer", ["503", "unreachable"])
def test_a_failing_webhook_is_recorded_and_the_tick_goes_on(ctx: AppContext, answer: str) -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        if answer == "unreachable":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(503, text="busy")

    _subscribe(ctx, _webhook(httpx.MockTransport(gateway)))
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    assert _tick(ctx, 5).escalated == [alarm_id]
    assert _tick(ctx, 10).escalated == [alarm_id]  # the failures rolled nothing back
    actions = _notified(ctx, alarm_id)
    # reminder and level 1 at minute 5; level 2 and the retries of the first two at minute 10
    assert [(a.data["level"], a.data["ok"]) for a in actions] == [(0, False), (1, False), (2, False),
                                                                  (0, False), (1, False)]
    assert all(a.note.startswith("通知") and "失败" in a.note for a in actions)
    assert ("503" if answer == "503" else "ConnectError") in actions[1].data["error"]


def test_notifier_from_settings() -> None:
    outbound = Outbound([LogAdapter()])
    assert build_notifier(Settings(), outbound).channel == "log"
    with_webhook = Outbound([LogAdapter(), WebhookAdapter(timeout=5)])
    hook = build_notifier(Settings(firewatch_notifier="webhook", firewatch_notify_url="http://127.0.0.1:1/x",
                                   firewatch_notify_timeout_seconds=2), with_webhook)
    assert hook.channel == "webhook" and hook.timeout_seconds == 2 and hook.url == "http://127.0.0.1:1/x"
    with pytest.raises(ValueError, match="NOTIFY_URL"):
        build_notifier(Settings(firewatch_notifier="webhook"), with_webhook)
    with pytest.raises(ValueError, match="OUTBOUND_CHANNELS"):
        build_notifier(Settings(firewatch_notifier="webhook", firewatch_notify_url="http://127.0.0.1:1/x"), outbound)
    with pytest.raises(ValidationError, match="'log' or 'webhook'"):
        Settings(firewatch_notifier="pigeon")  # type: ignore[arg-type]


def test_the_log_notifier_records_nothing_sent_and_does_not_retry(ctx: AppContext) -> None:
    """The default: the notice is only written to the log, so the timeline says it did not go out (one
    result per person who should have been told), and the timer does not "retry" the log."""
    _subscribe(ctx, Notifier(outbound=Outbound([LogAdapter()]), channel="log", clock=CLOCK))
    make_unit(ctx, address=100001, region="320102002")
    alarm_id = _fire(ctx)
    assert _tick(ctx, 5).escalated == [alarm_id]
    assert _tick(ctx, 6).renotified == []
    reminder, escalation = _notified(ctx, alarm_id)
    assert reminder.actor == "system:log" and reminder.data["ok"] is False and reminder.data["status"] == "not_sent"
    assert [(d["recipient"], d["status"]) for d in reminder.data["deliveries"]] == [("13800000000", "not_sent")]
    assert reminder.note.startswith("未发出") and "13800000000" in reminder.note
    assert [d["recipient"] for d in escalation.data["deliveries"]] == ["玄武区值班人员（320102）"]


def test_no_handler_listens_to_occurrences(ctx: AppContext) -> None:
    """Every occurrence of an open alarm publishes AlarmUpdated; in the gateway's writer process each delivered
    event costs a transaction, so the domains' reactions (notify included) want only the updates that end one."""
    from citysafe.core.events import EventBus
    from citysafe.registry import EVENT_TYPES, register_handlers

    fresh = EventBus(EVENT_TYPES)
    register_handlers(fresh)
    assert not fresh.wants("AlarmUpdated", {"alarm_id": 1, "state": "new", "change": "occurrence"})
    assert fresh.wants("AlarmUpdated", {"alarm_id": 1, "state": "false_alarm", "change": "false_alarm"})
    assert fresh.has_handlers("AlarmReminded")
    assert fresh.has_handlers("AlarmEscalated")
