"""IoT devices end to end: HTTP push (documented JSON and CTWing), and MQTT against the real Mosquitto."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiomqtt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import UserFactory
from tests.firewatch.fw_support import FIRE, T0, component_frame, forget_mqtt_session, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.firewatch.ingest.models import IotMessage

API = "/api/v1/firewatch"

# Waiters for AlarmRaised, fed by one handler subscribed to the bus of the test's application.
_waiters: list[tuple[str, threading.Event, list[dict[str, Any]]]] = []


def _on_raised(_session: Any, payload: dict[str, Any]) -> None:
    for device, event, seen in list(_waiters):
        if payload.get("device_address") == device:
            seen.append(payload)
            event.set()


@pytest.fixture
def http_ctx(ctx: AppContext) -> AppContext:
    ctx.settings = ctx.settings.model_copy(update={"firewatch_http_token": "push-secret"})
    ctx.clock = FixedClock(T0)
    return ctx


def test_http_push_with_token_raises_and_restores(http_ctx: AppContext) -> None:
    from citysafe.api import create_app

    with TestClient(create_app(ctx=http_ctx)) as client:
        token = {"X-Citysafe-Token": "push-secret"}
        assert client.post(f"{API}/ingest/iot", json={"device_id": "HP1"}).status_code == 401
        assert client.post(f"{API}/ingest/iot", json={"device_id": "HP1"},
                           headers={"X-Citysafe-Token": "wrong"}).status_code == 401
        low = client.post(f"{API}/ingest/iot", headers=token, json={
            "device_id": "HP1", "kind": "hydrant_pressure", "pressure_mpa": 0.06, "ts": "2026-03-01T09:59:58+08:00"})
        assert low.status_code == 200, low.text
        [result] = low.json()["results"]
        assert result["error"] is None and len(result["alarms_raised"]) == 1
        alarm_id = result["alarms_raised"][0]
        batch = client.post(f"{API}/ingest/iot", headers=token, json=[
            {"device_id": "HP1", "kind": "hydrant_pressure", "pressure_mpa": 0.32},
            {"device_id": "HP1", "kind": "hydrant_pressure", "pressure_mpa": "x"}]).json()
        assert batch["accepted"] == 1 and batch["results"][0]["alarms_cleared"] == [alarm_id]
        assert "pressure_mpa" in batch["results"][1]["error"]
        admin = _admin(client, http_ctx)
        detail = client.get(f"{API}/alarms/{alarm_id}", headers=admin).json()
        assert detail["kind"] == "supervisory" and detail["cause"] == "low_pressure" and not detail["is_open"]
        assert detail["unregistered"] and detail["device_time"].startswith("2026-03-01T01:59:58")
        payloads = [o["payload"] for o in detail["occurrences_list"]]
        assert {"device_id": "HP1", "kind": "hydrant_pressure", "pressure_mpa": 0.06,
                "ts": "2026-03-01T09:59:58+08:00"} in payloads


def _admin(client: TestClient, ctx: AppContext) -> dict[str, str]:
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import UserCreate
    from citysafe.core.db import unit_of_work

    name = f"admin{uuid.uuid4().hex[:6]}"
    with unit_of_work(ctx.session_factory) as session:
        auth_service.create_user(session, user_in=UserCreate(username=name, password="correct-horse", role="admin",
                                                             region_code="320000"))
    token = client.post("/api/v1/auth/token", data={"username": name, "password": "correct-horse"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_ctwing_push_of_a_gb26875_frame_and_of_vendor_json(client: TestClient, ctx: AppContext,
                                                           make_user: UserFactory) -> None:
    make_unit(ctx, address=100001)
    headers = make_user("admin", "320000")

    def envelope(data: bytes) -> dict[str, Any]:
        return {"deviceId": "1501708501", "timestamp": 1772330400000, "messageType": "dataReport",
                "payload": {"APPdata": base64.b64encode(data).decode()}}

    frame = client.post(f"{API}/ingest/ctwing", headers=headers, json=envelope(component_frame(100001, FIRE))).json()
    [result] = frame["results"]
    assert result["device_id"] == "100001" and len(result["alarms_raised"]) == 1 and not result["duplicate"]
    alarm = client.get(f"{API}/alarms/{result['alarms_raised'][0]}", headers=headers).json()
    assert alarm["unit_name"] == "南京金陵购物中心" and alarm["occurrences_list"][0]["peer"].startswith("http:ctwing")
    vendor = {"b": [{"id": "0181", "v": "1"}], "c": 21, "id": 1, "tm": 1772330400000}
    smoke = client.post(f"{API}/ingest/ctwing", headers=headers, json=envelope(json.dumps(vendor).encode())).json()
    assert len(smoke["results"][0]["alarms_raised"]) == 1
    ignored = client.post(f"{API}/ingest/ctwing", headers=headers, json={"messageType": "deviceOnlineOfflineReport"})
    assert ignored.json() == {"accepted": 0, "results": []}
    bad = client.post(f"{API}/ingest/ctwing", headers=headers, json={"deviceId": "1", "payload": {"APPdata": "@@"}})
    assert bad.status_code == 422
    grid = make_user("grid_officer", "320102")
    assert client.post(f"{API}/ingest/ctwing", headers=grid, json=envelope(b"{}")).status_code == 403


@pytest.fixture
async def mqtt_ctx(ctx: AppContext) -> AsyncIterator[tuple[AppContext, str]]:
    root = f"citysafe-test/{uuid.uuid4().hex}"
    ctx.settings = ctx.settings.model_copy(update={"mqtt_url": "mqtt://127.0.0.1:1883",
                                                   "firewatch_mqtt_topics": f"{root}/#",
                                                   # written on a thread, so the alarm's event reaches this
                                                   # app's bus (the writer process is test_fw_mqtt_loss's)
                                                   "firewatch_mqtt_writer": "thread"})
    ctx.bus.subscribe_name("AlarmRaised", _on_raised)
    yield ctx, root
    await forget_mqtt_session(ctx.settings.resolved_mqtt_client_id())


async def _publish(topic: str, payload: dict[str, Any] | bytes) -> None:
    async with aiomqtt.Client("127.0.0.1", 1883, identifier=f"test-{uuid.uuid4().hex[:8]}") as publisher:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        await publisher.publish(topic, data, qos=1)


async def test_mqtt_smoke_alarm_reaches_the_engine(mqtt_ctx: tuple[AppContext, str]) -> None:
    from citysafe.api import create_app
    from citysafe.firewatch.ingest import mqtt

    ctx, root = mqtt_ctx
    device = f"SMK-{uuid.uuid4().hex[:6]}"
    raised, frame_raised = threading.Event(), threading.Event()
    seen: list[dict[str, Any]] = []
    frame_seen: list[dict[str, Any]] = []
    address = 700000 + uuid.uuid4().int % 99999
    _waiters.append((device, raised, seen))
    _waiters.append((str(address), frame_raised, frame_seen))
    app = create_app(ctx=ctx)
    try:
        async with mqtt.running(app, ctx):
            subscriber = ctx.extras["firewatch.mqtt"]
            await asyncio.wait_for(subscriber.ready.wait(), timeout=10)
            await _publish(f"{root}/smoke/{device}", b"not json")
            await _publish(f"{root}/smoke/{device}", {"event": "alarm", "battery_pct": 90, "ts": 1772330400})
            assert await asyncio.to_thread(raised.wait, 10), "AlarmRaised for the MQTT smoke alarm"
            await _publish(f"{root}/uitd/{address}", component_frame(address, FIRE))
            assert await asyncio.to_thread(frame_raised.wait, 10), "AlarmRaised for a GB frame over MQTT"
    finally:
        _waiters.remove((device, raised, seen))
        _waiters.remove((str(address), frame_raised, frame_seen))
    assert frame_seen[0]["source"] == "gb26875" and frame_seen[0]["kind"] == "fire"
    [payload] = seen
    assert payload["kind"] == "fire" and payload["source"] == "iot" and payload["unregistered"]
    # the stored count moves after the commit that announced the alarm; the database is the witness
    assert subscriber.stats.rejected == 1
    with ctx.session_factory() as session:
        [message] = session.execute(select(IotMessage).where(IotMessage.device_id == device)).scalars().all()
    assert message.source == f"mqtt:{root}/smoke/{device}" and message.payload["event"] == "alarm"
