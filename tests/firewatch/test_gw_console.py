"""Console pages of fire monitoring and the downlink API (查岗, 巡检, gateway counters), with the gateway
running inside the app as `serve --gb26875-port` runs it, and a device on a real loopback socket."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.firewatch.protocols.gb26875 import (
    ComponentStatus,
    DeviceTime,
    Frame,
    StreamFramer,
    UitdOperation,
    UitdStatus,
    build_ack,
    build_upload,
    decode_frame,
    encode_description,
    encode_frame,
)

DISTRICTS = ("320102", "320104", "320105")  # 玄武, 秦淮, 建邺: one networked unit each
UITD = 100001  # unit 1 (玄武区), with an open fire alarm


def _seed(ctx: AppContext) -> None:
    from citysafe.firewatch.ingest.service import ReceivedFrame, ingest_frames
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import ComponentCreate, UitdCreate, UnitCreate
    from citysafe.orgs.enums import OrganizationKind
    from citysafe.orgs.schemas import Location, OrganizationCreate

    with unit_of_work(ctx.session_factory, actor="tests") as session:
        for n, district in enumerate(DISTRICTS, start=1):
            unit = rs.create_unit(session, unit_in=UnitCreate(organization=OrganizationCreate(
                name=f"测试联网单位{n}", kind=OrganizationKind.NETWORKED_UNIT, region_code=district,
                address=f"南京市测试路{n}号", location=Location(lon=118.78 + n / 100, lat=32.04))))
            uitd = rs.register_uitd(session, uitd_in=UitdCreate(address=100000 + n, unit_id=unit.id))
            rs.add_component(session, uitd=uitd, component_in=ComponentCreate(
                system_type=1, system_address=1, component_type=42, component_address=1 << 16 | 1,
                description="1回路1号光电感烟", floor="1层", zone="A区"))
        fire = ComponentStatus(1, 1, 42, 1 << 16 | 1, 0x0003, encode_description(""),
                               DeviceTime.of(datetime(2026, 3, 1, 9, 59)))
        raw = encode_frame(build_upload(2, [fire], serial=1, source=UITD, destination=0,
                                        sent=datetime(2026, 3, 1, 10, 0)))
        ingest_frames(session, items=[ReceivedFrame(raw, decode_frame(raw), "tests", ctx.clock.now())],
                      clock=ctx.clock)


@pytest.fixture
def ctx(ctx: AppContext) -> AppContext:
    ctx.settings = ctx.settings.model_copy(update={"gb26875_port": 0})
    _seed(ctx)
    return ctx


class Device:
    """A blocking UITD client: the app's gateway runs on the TestClient's own event loop thread."""

    def __init__(self, port: int, address: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.address = address
        self.framer = StreamFramer()
        self.pending: list[Frame] = []
        self.serial = 0

    def upload(self, adu_type: int, objects: list[object], command: int = 2, serial: int | None = None) -> None:
        if serial is None:
            serial, self.serial = self.serial, self.serial + 1
        frame = build_upload(adu_type, objects, serial=serial, source=self.address, destination=0,  # type: ignore[arg-type]
                             sent=datetime(2026, 3, 1, 10, 0), command=command)
        self.sock.sendall(encode_frame(frame))

    def receive(self) -> Frame:
        while not self.pending:
            chunk = self.sock.recv(4096)
            assert chunk, "gateway closed the connection"
            self.pending.extend(i for i in self.framer.feed(chunk) if isinstance(i, Frame))
        return self.pending.pop(0)

    def close(self) -> None:
        self.sock.close()


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture
def device(ctx: AppContext, client: TestClient) -> Iterator[Device]:
    gateway = ctx.extras["gb26875_gateway"]
    dev = Device(gateway.port, UITD)
    dev.upload(21, [UitdStatus(0x01, DeviceTime.of(datetime(2026, 3, 1, 10, 0)))])
    assert dev.receive().command == 3
    yield dev
    dev.close()


def test_pages_render_for_a_logged_in_operator(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/firewatch", follow_redirects=False).status_code == 303  # login first
    client.cookies.set("citysafe_session", _token(make_user("operator", "320100")))
    board = client.get("/firewatch")
    assert board.status_code == 200
    assert "实时告警" in board.text and "/static/js/firewatch-board.js" in board.text
    assert client.get("/firewatch/map").status_code == 200
    units = client.get("/firewatch/map/units.json").json()
    statuses = {row[1]: (row[4], row[5]) for row in units["units"]}
    assert statuses == {"测试联网单位1": ("fire", 1), "测试联网单位2": ("normal", 0), "测试联网单位3": ("normal", 0)}
    assert units["colours"]["fire"] and units["names"]["fire"] == "火警"
    unit_id = next(r[0] for r in units["units"] if r[4] == "fire")
    page = client.get(f"/firewatch/units/{unit_id}")
    assert page.status_code == 200
    assert "1回路1号光电感烟" in page.text and "查岗" in page.text and str(UITD) in page.text
    assert "/firewatch" in [a for a in client.get("/").text.split('"') if a.startswith("/firewatch")]


def test_a_district_sees_only_its_units_on_the_map(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("citysafe_session", _token(make_user("district_office", "320104")))
    rows = client.get("/firewatch/map/units.json").json()["units"]
    assert [r[1] for r in rows] == ["测试联网单位2"]


def test_duty_check_goes_down_and_the_operator_reply_is_matched(
    client: TestClient, device: Device, make_user,  # type: ignore[no-untyped-def]
) -> None:
    headers = make_user("operator", "320100")
    sent = client.post(f"/api/v1/firewatch/uitds/{UITD}/duty-check", json={"timeout_minutes": 7}, headers=headers)
    assert sent.status_code == 200, sent.text
    check = device.receive()
    assert check.command == 1 and check.adu is not None and check.adu.type == 91
    assert check.adu.objects[0].timeout_minutes == 7  # type: ignore[union-attr]
    assert check.serial == sent.json()["serial"]
    device.sock.sendall(encode_frame(build_ack(check, datetime(2026, 3, 1, 10, 0, 5))))
    device.upload(24, [UitdOperation(0x20, 3, DeviceTime.of(datetime(2026, 3, 1, 10, 1)))])  # the reply key
    assert device.receive().command == 3
    checks = client.get("/api/v1/firewatch/duty-checks", params={"address": UITD}, headers=headers).json()
    assert len(checks) == 1
    assert checks[0]["replied_at"] is not None and checks[0]["operator"] == 3
    stats = client.get("/api/v1/firewatch/gateway", headers=headers).json()
    assert stats["gateway"]["connections"] == 1
    assert stats["downlink"]["duty_checks"] == 1 and stats["downlink"]["answered"] == 1


def test_patrol_now_is_answered_with_the_uitd_status(client: TestClient, device: Device, make_user) -> None:  # type: ignore[no-untyped-def]
    headers = make_user("operator", "320100")
    sent = client.post(f"/api/v1/firewatch/uitds/{UITD}/patrol", headers=headers)
    assert sent.status_code == 200, sent.text
    patrol = device.receive()
    assert (patrol.command, patrol.adu.type if patrol.adu else None) == (4, 81)
    device.upload(21, [UitdStatus(0x01, DeviceTime.of(datetime(2026, 3, 1, 10, 2)))], command=5,
                  serial=patrol.serial)
    stats = {}
    for _ in range(200):  # the answer is read by the app's loop: poll its counters, no sleeping
        stats = client.get("/api/v1/firewatch/gateway", headers=headers).json()
        if stats["downlink"]["answered"]:
            break
    assert stats["downlink"]["answered"] == 1


def test_downlink_refusals(ctx: AppContext, client: TestClient, device: Device, make_user) -> None:  # type: ignore[no-untyped-def]
    operator = make_user("operator", "320100")
    not_connected = client.post("/api/v1/firewatch/uitds/100002/duty-check", headers=operator)
    assert not_connected.status_code == 409
    assert not_connected.json()["detail_zh"].endswith("当前未连接")
    grid = make_user("grid_officer", "320102")
    assert client.post(f"/api/v1/firewatch/uitds/{UITD}/patrol", headers=grid).status_code == 403
    elsewhere = make_user("operator", "320104")  # unit 1 is in another district
    assert client.post(f"/api/v1/firewatch/uitds/{UITD}/patrol", headers=elsewhere).status_code == 404


def test_without_a_gateway_the_downlink_answers_503(ctx: AppContext, make_user) -> None:  # type: ignore[no-untyped-def]
    from citysafe.api import create_app

    headers = make_user("operator", "320100")
    plain = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"gb26875_port": None}), extras={})
    with TestClient(create_app(ctx=plain)) as other:
        response = other.post(f"/api/v1/firewatch/uitds/{UITD}/patrol", headers=headers)
    assert response.status_code == 503
    assert response.json()["title_zh"] == "报警传输网关未运行"


def test_metrics_and_health_show_the_gateway_and_its_alarms(ctx: AppContext, client: TestClient,
                                                             device: Device) -> None:
    """#16 point 6: the gateway's connections, ACKs and their latency, the open alarms, on /metrics; the gateway
    and its writer apart on the health endpoint."""
    ctx.settings = ctx.settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    assert client.get("/metrics").status_code == 403  # the TestClient is no loopback peer
    text = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    figures = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line and not line.startswith("#")}
    assert figures["citysafe_gb26875_connections"] == 1
    assert figures["citysafe_gb26875_acked_total"] >= 1 and figures["citysafe_gb26875_ack_seconds_count"] >= 1
    assert figures['citysafe_gb26875_ack_seconds_bucket{le="+Inf"}'] == figures["citysafe_gb26875_ack_seconds_count"]
    assert figures['citysafe_alarms_open{kind="fire"}'] == 1
    health = client.get("/api/v1/health/components").json()
    assert health["status"] == "ok"
    parts = health["components"]
    assert parts["database"]["ok"] is True and parts["gateway"]["connections"] == 1
    assert parts["writer"]["ok"] is True and parts["nats"]["ok"] is None  # no NATS configured here
