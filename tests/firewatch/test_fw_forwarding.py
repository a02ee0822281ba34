"""119 forwarding through core.outbound: the webhook against a real loopback server, the honest record of
the ``log`` forwarder (待人工电话转警), the operator's recorded call, retries that run out, the settings,
and two applications in one process, each forwarding through its own link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.core.outbound_support import Reply, loopback_http
from tests.firewatch.fakes import FAKE_119, RecordingAdapter, fake_forwarder, install
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.audit import AuditEntry
from citysafe.core.clock import FixedClock
from citysafe.core.config import Settings
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.outbound import LogAdapter, Outbound, build_outbound
from citysafe.firewatch.alarms import forwarding
from citysafe.firewatch.alarms.forwarding import Forwarder, build_forwarder
from citysafe.firewatch.alarms.links import links
from citysafe.firewatch.alarms.models import Forwarding
from citysafe.firewatch.alarms.timers import tick
from citysafe.firewatch.config import FirewatchConfig

API = "/api/v1/firewatch"


def test_the_webhook_posts_the_notice_through_core_outbound() -> None:
    outbound = build_outbound(Settings(outbound_channels="log,webhook"))
    with loopback_http() as centre:
        url = centre.on("/alarms", Reply(201, headers={"x-reference": "119-7"}), Reply(503, body={"busy": True}))
        forwarder = Forwarder(outbound=outbound, channel="webhook", url=url, timeout_seconds=3.0)
        ok = forwarder.send({"alarm_id": 7, "unit_name": "南京金陵购物中心", "description": "3层A区火警"})
        assert ok.delivered and ok.reference == "119-7" and ok.attempts == 1
        [received] = centre.at("/alarms")
        assert received.body["unit_name"] == "南京金陵购物中心"
        assert received.headers["idempotency-key"] == "alarm:7:forward_119"
        down = forwarder.send({"alarm_id": 13})
        assert down.status == "failed" and "503" in down.error and down.attempts == 1  # the timer retries
    closed = Forwarder(outbound=outbound, channel="webhook", url="http://127.0.0.1:9/none", timeout_seconds=1.0)
    assert closed.send({"alarm_id": 1}).status == "failed"


def test_forwarder_from_settings() -> None:
    outbound = Outbound([LogAdapter()])
    assert build_forwarder(Settings(), outbound).channel == "log"
    with_webhook = build_outbound(Settings(outbound_channels="log,webhook"))
    hook = build_forwarder(Settings(firewatch_forwarder="webhook", firewatch_forward_url="http://127.0.0.1:1/x"),
                           with_webhook)
    assert hook.channel == "webhook" and hook.url == "http://127.0.0.1:1/x" and hook.timeout_seconds == 3.0
    with pytest.raises(ValueError, match="FORWARD_URL"):
        build_forwarder(Settings(firewatch_forwarder="webhook"), with_webhook)
    with pytest.raises(ValueError, match="OUTBOUND_CHANNELS"):
        build_forwarder(Settings(firewatch_forwarder="webhook", firewatch_forward_url="http://127.0.0.1:1/x"),
                        outbound)
    with pytest.raises(ValidationError, match="firewatch_forwarder") as refused:
        Settings(firewatch_forwarder="smtp")  # type: ignore[arg-type]
    assert "'log' or 'webhook'" in str(refused.value)


def _confirmed_fire(ctx: AppContext, client: TestClient, headers: dict[str, str], address: int = 100001) -> int:
    alarm_id = ingest(ctx, [component_frame(address, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    for step, body in (("acknowledge", None), ("verify", {"method": "phone", "note": "单位值班员确认起火"}),
                       ("confirm", {"note": "3层A区明火"})):
        assert client.post(f"{API}/alarms/{alarm_id}/{step}", json=body, headers=headers).status_code == 200
    return alarm_id


def test_the_log_forwarder_records_a_fire_awaiting_a_phone_call(client: TestClient, ctx: AppContext,
                                                                make_user: UserFactory) -> None:
    make_unit(ctx, address=100001)
    headers = make_user("operator", "320100")
    alarm_id = _confirmed_fire(ctx, client, headers)
    detail = client.get(f"{API}/alarms/{alarm_id}", headers=headers).json()
    [row] = detail["forwardings"]
    assert row["status"] == "manual_pending" and not row["ok"] and row["forwarder"] == "log"
    assert "nothing left the platform" in row["error"]
    assert detail["forward_status"] == "manual_pending"
    assert detail["actions"][-1]["action"] == "forward_119" and "待人工电话转警" in detail["actions"][-1]["note"]
    assert [(p["role"], p["phone"]) for p in detail["unit_phones"]] == [("单位联系人", "13800000000")]
    [listed] = client.get(f"{API}/alarms", params={"kind": "fire"}, headers=headers).json()["items"]
    assert listed["forward_status"] == "manual_pending"
    with unit_of_work(ctx.session_factory) as session:  # a manual_pending is not a failure to retry
        assert tick(session, now=T0 + timedelta(hours=1), config=FirewatchConfig(),
                    forwarder=links(ctx).forwarder).forwarded == 0


def test_the_operator_records_the_call(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    clock = ctx.clock = FixedClock(T0 + timedelta(minutes=2))  # the requests' clock, and the forwarder's
    install(ctx, forwarder=build_forwarder(ctx.settings, ctx.outbound, clock))
    make_unit(ctx, address=100001)
    headers = make_user("operator", "320100", username="duty", display_name="值班员张敏")
    alarm_id = _confirmed_fire(ctx, client, headers)
    url = f"{API}/alarms/{alarm_id}/forwardings/manual"
    with ctx.session_factory() as session:
        [pending] = session.execute(select(Forwarding).where(Forwarding.alarm_id == alarm_id)).scalars()
    confirmed_at = pending.confirmed_at
    assert confirmed_at == T0 + timedelta(minutes=2)
    clock.advance(minutes=3)
    assert client.post(url, json={"answered_by": "接警员0371"}).status_code == 401
    viewer = make_user("grid_officer", "320102")
    assert client.post(url, json={"answered_by": "接警员0371"}, headers=viewer).status_code == 403
    assert client.post(url, json={"answered_by": ""}, headers=headers).status_code == 422
    future = client.post(url, json={"answered_by": "接警员0371",
                                    "called_at": (ctx.clock.now() + timedelta(hours=1)).isoformat()}, headers=headers)
    assert future.status_code == 422 and "晚于当前时间" in future.json()["detail_zh"]
    early = client.post(url, json={"answered_by": "接警员0371",
                                   "called_at": (confirmed_at - timedelta(seconds=5)).isoformat()}, headers=headers)
    assert early.status_code == 422 and "早于确认火警" in early.json()["detail_zh"]
    called_at = confirmed_at + timedelta(seconds=95)
    made = client.post(url, json={"answered_by": "接警员0371", "called_at": called_at.isoformat(),
                                  "note": "119已派玄武消防站出警"}, headers=headers)
    assert made.status_code == 201, made.text
    row = made.json()
    assert row["status"] == "manual_done" and row["ok"] and row["forwarder"] == "phone"
    assert row["called_by"] == "值班员张敏" and row["reference"] == "接警员0371"
    assert row["delay_ms"] == pytest.approx(95_000)
    detail = client.get(f"{API}/alarms/{alarm_id}", headers=headers).json()
    assert detail["forward_status"] == "manual_done"
    assert [f["status"] for f in detail["forwardings"]] == ["manual_pending", "manual_done"]
    call = detail["actions"][-1]
    assert call["action"] == "forward_119_phone" and call["actor"] == "duty" and call["method"] == "phone"
    assert "接警员0371" in call["note"] and "1分35秒" in call["note"] and "出警" in call["note"]
    again = client.post(url, json={"answered_by": "接警员0371"}, headers=headers)
    assert again.status_code == 409 and "已转警" in again.json()["detail_zh"]
    with ctx.session_factory() as session:
        audited = session.execute(select(AuditEntry).where(AuditEntry.entity == "fw_forwarding",
                                                           AuditEntry.actor == "duty")).scalars().all()
    assert [(a.action, a.after["status"], a.after["reference"]) for a in audited if a.after] == [
        ("create", "manual_done", "接警员0371")]


def test_only_a_confirmed_fire_is_phoned_through(client: TestClient, ctx: AppContext,
                                                make_user: UserFactory) -> None:
    headers = make_user("operator", "320000")
    alarm_id = ingest(ctx, [component_frame(100002, FIRE)], FixedClock(T0))[0].alarms_raised[0]
    refused = client.post(f"{API}/alarms/{alarm_id}/forwardings/manual", json={"answered_by": "0371"},
                          headers=headers)
    assert refused.status_code == 409
    assert client.post(f"{API}/alarms/999999/forwardings/manual", json={"answered_by": "0371"},
                       headers=headers).status_code == 404


def test_a_webhook_that_keeps_failing_becomes_a_phone_call(client: TestClient, ctx: AppContext,
                                                           make_user: UserFactory) -> None:
    down = RecordingAdapter(fail=100, error="HTTP 503: busy")
    forwarder = install(ctx, forwarder=fake_forwarder(down)).forwarder
    headers = make_user("operator", "320000")
    alarm_id = _confirmed_fire(ctx, client, headers, address=100003)
    tries = []
    for _ in range(forwarding.MAX_ATTEMPTS + 2):
        with unit_of_work(ctx.session_factory) as session:
            tries.append(tick(session, now=T0, config=FirewatchConfig(), forwarder=forwarder).forwarded)
    assert tries == [1] * (forwarding.MAX_ATTEMPTS - 1) + [0, 0, 0]
    detail = client.get(f"{API}/alarms/{alarm_id}", headers=headers).json()
    statuses = [f["status"] for f in detail["forwardings"]]
    assert statuses == ["failed"] * (forwarding.MAX_ATTEMPTS - 1) + ["manual_pending"]
    assert detail["forward_status"] == "manual_pending" and down.messages == []
    done = client.post(f"{API}/alarms/{alarm_id}/forwardings/manual", json={"answered_by": "0371"},
                       headers=headers)
    assert done.status_code == 201 and done.json()["called_by"]


def _app_context(tmp_path: Path, name: str) -> AppContext:
    from citysafe.core.migrate import upgrade
    from citysafe.regions import service as regions_service
    from citysafe.registry import new_context

    settings = Settings(data_dir=tmp_path / name, database_url=f"sqlite:///{tmp_path / name}.db",
                        secret_key=f"secret-{name}")
    (tmp_path / name).mkdir()
    ctx = new_context(settings)
    upgrade(ctx.engine)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        regions_service.import_packaged_jiangsu(session)
    return ctx


def test_two_apps_in_one_process_forward_each_through_its_own_link(tmp_path: Path) -> None:
    from citysafe.api import create_app
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import UserCreate

    apps = {}
    for name in ("a", "b"):
        ctx = _app_context(tmp_path, name)
        adapter = RecordingAdapter()
        install(ctx, forwarder=fake_forwarder(adapter))
        with unit_of_work(ctx.session_factory, actor="tests") as session:
            auth_service.create_user(session, user_in=UserCreate(username="duty", password="correct-horse",
                                                                 role="operator", region_code="320000"))
        make_unit(ctx, address=100001)
        apps[name] = (ctx, adapter, create_app(ctx=ctx))
    try:
        ctx_a, sent_by_a, app_a = apps["a"]
        ctx_b, sent_by_b, app_b = apps["b"]
        with TestClient(app_a) as client_a, TestClient(app_b) as client_b:
            token = client_a.post("/api/v1/auth/token", data={"username": "duty", "password": "correct-horse"})
            alarm_id = _confirmed_fire(ctx_a, client_a, {"Authorization": f"Bearer {token.json()['access_token']}"})
            assert [n["alarm_id"] for n in sent_by_a.notices] == [alarm_id]
            assert sent_by_b.notices == []
            assert sent_by_a.messages[0].recipients == (FAKE_119,)
            with ctx_a.session_factory() as session:
                assert [f.status for f in session.execute(select(Forwarding)).scalars()] == ["sent"]
            with ctx_b.session_factory() as session:
                assert session.execute(select(Forwarding)).scalars().all() == []
            assert client_b.get("/api/v1/health").status_code == 200
    finally:
        for ctx, _, _ in apps.values():
            ctx.engine.dispose()
