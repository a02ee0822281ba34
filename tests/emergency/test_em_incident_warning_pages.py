"""Issue #13 point 6's review notes, page by page: the incident room offers 发布预警 and links the warnings issued
for it; the composer opened from it starts with the incident linked, its category, place and an area around it,
and lets divisions be picked by name; the receipts read by name, role and channel with the gateway's reference as
small print only; the warning page's map has the district base layer; the room no longer routes every team on
each render and says why when it cannot suggest; the command map's reads are bounded."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from tests.conftest import UserFactory
from tests.emergency.api_support import error_fields
from tests.firewatch.fakes import RecordingAdapter

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import Conflict
from citysafe.core.outbound import LogAdapter, Outbound
from citysafe.emergency.dispatch import service as dispatch_service
from citysafe.emergency.warnings.models import WarningSubscriber

EM = "/api/v1/emergency"
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SCENE = (118.790, 32.052)


@pytest.fixture
def room(ctx: AppContext, client: TestClient, make_user: UserFactory) -> dict[str, Any]:
    """A fire in 玄武区 opened by the city office (logged in to the console too), one team standing by."""
    ctx.clock = FixedClock(NOW)
    ctx.outbound = Outbound([RecordingAdapter(channel="sms"), LogAdapter()], sleep=lambda _: None)
    headers = make_user("city_office", "320100", username="nanjing", display_name="南京市应急局")
    assert client.post("/login", data={"username": "nanjing", "password": "correct-horse"}).status_code in (200, 303)
    assert client.post(f"{EM}/resources/teams", headers=headers, json={
        "name": "珠江路消防站", "kind": "fire_station", "region_code": "320102",
        "location": {"lon": 118.795, "lat": 32.050}}).status_code == 201
    incident = client.post(f"{EM}/incidents", headers=headers, json={
        "category": "accident", "subtype": "fire", "description": "沿街商铺起火", "place": "玄武区珠江路沿街商铺",
        "location": {"lon": SCENE[0], "lat": SCENE[1]}})
    assert incident.status_code == 201, incident.text
    with unit_of_work(ctx.session_factory) as session:
        session.add(WarningSubscriber(name="居民甲", phone="13800000001", lon=118.791, lat=32.053,
                                      region_code="320102"))
    return {"headers": headers, "id": incident.json()["id"]}


def _warning(client: TestClient, room: dict[str, Any]) -> int:
    answer = client.post(f"{EM}/warnings", headers=room["headers"], json={
        "category": "accident", "event": "火灾", "level": 3, "headline": "珠江路火灾黄色预警",
        "description": "浓烟扩散", "instruction": "关闭门窗", "onset": NOW.isoformat(),
        "expires": (NOW + timedelta(hours=6)).isoformat(), "incident_id": room["id"],
        "area": {"type": "Polygon", "coordinates": [[[118.78, 32.04], [118.80, 32.04], [118.80, 32.06],
                                                     [118.78, 32.06], [118.78, 32.04]]]}})
    assert answer.status_code == 201, answer.text
    issued = client.post(f"{EM}/warnings/{answer.json()['id']}/issue", headers=room["headers"])
    assert issued.status_code == 200, issued.text
    return int(answer.json()["id"])


def test_the_room_offers_a_warning_and_links_the_ones_issued(client: TestClient, room: dict[str, Any]) -> None:
    page = client.get(f"/emergency/incidents/{room['id']}").text
    assert f'href="/emergency/warnings?incident={room["id"]}" data-testid="room-warn"' in page
    assert "本事件尚未发布预警" in page
    warning_id = _warning(client, room)
    page = client.get(f"/emergency/incidents/{room['id']}").text
    assert f'href="/emergency/warnings/{warning_id}" data-testid="room-warning-link"' in page
    assert "珠江路火灾黄色预警" in page and "发布黄色预警（三级）" in page  # the panel and the timeline


def test_the_composer_starts_from_the_incident(client: TestClient, room: dict[str, Any]) -> None:
    page = client.get(f"/emergency/warnings?incident={room['id']}")
    assert page.status_code == 200
    text = page.text
    assert f'name="incident_id" value="{room["id"]}"' in text
    assert '<option value="accident" selected>' in text
    assert 'name="event" maxlength="100"' in text and 'value="火灾"' in text
    assert 'value="玄武区珠江路沿街商铺火灾预警"' in text
    found = re.search(r'<script type="application/json" id="start-area">(.*?)</script>', text, re.S)
    assert found is not None
    area = shape(json.loads(found.group(1)))
    assert area.contains(Point(*SCENE)) and 0.0001 < area.area < 0.001  # about 2 km across, around the scene
    plain = client.get("/emergency/warnings").text  # without an incident: nothing prefilled, nothing linked
    assert 'name="incident_id"' not in plain and 'id="start-area">null<' in plain


def test_the_composer_offers_divisions_by_name(client: TestClient, room: dict[str, Any]) -> None:
    text = client.get("/emergency/warnings").text
    picks = dict(re.findall(
        r'<input type="checkbox" name="region_code" value="(\d+)" ><span lang="zh">([^<]+)</span>', text))
    assert picks["320100"] == "南京市" and picks["320102"] == "玄武区"
    assert 'name="region_codes"' not in text  # no box for typing codes any more


def test_an_incident_out_of_reach_is_not_opened_in_the_composer(client: TestClient, room: dict[str, Any]) -> None:
    assert client.get("/emergency/warnings?incident=987654").status_code == 404


def test_receipts_read_by_name_role_and_channel(client: TestClient, ctx: AppContext, room: dict[str, Any]) -> None:
    warning_id = _warning(client, room)
    page = client.get(f"/emergency/warnings/{warning_id}").text
    table = page[page.index('data-testid="receipts"'):]
    row = next(r for r in table.split("<tr")[1:] if "居民甲" in r)
    assert "公众订阅" in row and ">短信<" in row and "已送达" in row
    # The gateway's reference only in the small print, never as the recipient, the channel or the result.
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert not any("fake-" in c for c in cells[:5]) and "fake-" in cells[5]
    assert 'data-testid="receipt-gateway">网关回执：fake-' in row
    public = next(r for r in table.split("<tr")[1:] if 'data-status="delivered"' in r and "ATOM 订阅源" in r)
    assert "/api/v1/public/warnings.atom" not in public


def test_the_warning_map_has_the_district_base_layer(client: TestClient, room: dict[str, Any]) -> None:
    warning_id = _warning(client, room)
    for path in ("/emergency/warnings", f"/emergency/warnings/{warning_id}"):
        text = client.get(path).text
        assert '<script src="/static/js/district-layer.js"></script>' in text
        assert re.search(r'id="warn-map"[^>]*data-within="3201', text), path
    shared = client.get("/static/js/district-layer.js").text
    assert "children/boundaries" in shared and "district-base" in shared
    assert "citysafeDistrictLayer" in client.get("/static/js/emergency-warnings.js").text
    assert "citysafeDistrictLayer" in client.get("/static/js/emergency-map.js").text


def test_the_room_renders_without_routing_the_teams(client: TestClient, room: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the incident page routed the teams while rendering")

    monkeypatch.setattr(dispatch_service, "suggest", refuse)
    page = client.get(f"/emergency/incidents/{room['id']}")
    assert page.status_code == 200
    assert f'data-src="/emergency/incidents/{room["id"]}/dispatch/panel"' in page.text
    assert 'data-testid="dispatch-form"' not in page.text


def test_the_dispatch_panel_suggests_or_says_why_not(client: TestClient, room: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    panel = client.get(f"/emergency/incidents/{room['id']}/dispatch/panel")
    assert panel.status_code == 200 and 'data-testid="dispatch-form"' in panel.text and "珠江路消防站" in panel.text

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise Conflict(detail="the road network cannot be read", detail_zh="调度路网无法读取，请联系管理员重新导入")

    monkeypatch.setattr(dispatch_service, "suggest", no_network)
    refused = client.get(f"/emergency/incidents/{room['id']}/dispatch/panel")
    assert refused.status_code == 200
    assert 'data-testid="dispatch-refused"' in refused.text and "调度路网无法读取，请联系管理员重新导入" in refused.text
    assert 'data-testid="dispatch-form"' not in refused.text


def test_the_command_map_is_bounded_by_limit_and_box(client: TestClient, room: dict[str, Any]) -> None:
    headers = room["headers"]
    for n, lon in enumerate((118.70, 118.90)):
        assert client.post(f"{EM}/resources/teams", headers=headers, json={
            "name": f"外围救援队{n}", "kind": "fire_station", "region_code": "320102",
            "location": {"lon": lon, "lat": 32.05}}).status_code == 201
    _warning(client, room)
    whole = client.get(f"{EM}/map", headers=headers).json()
    assert whole["counts"]["team"] == 3 and whole["counts"]["warning"] == 1
    assert not any(whole["truncated"].values())
    cut = client.get(f"{EM}/map", headers=headers, params={"limit": 1}).json()
    assert cut["counts"]["team"] == 1 and cut["truncated"]["team"] is True
    near = client.get(f"{EM}/map", headers=headers, params={"bbox": "118.78,32.04,118.80,32.06"}).json()
    names = {f["properties"]["name"] for f in near["features"] if f["properties"]["layer"] == "team"}
    assert names == {"珠江路消防站"} and near["counts"]["incident"] == 1 and near["counts"]["warning"] == 1
    away = client.get(f"{EM}/map", headers=headers, params={"bbox": "118.0,31.0,118.1,31.1"}).json()
    assert away["counts"]["incident"] == 0 and away["counts"]["warning"] == 0
    for bad in ("1,2,3", "118.9,32.0,118.7,32.1", "a,b,c,d", "118,32,200,33"):
        answer = client.get(f"{EM}/map", headers=headers, params={"bbox": bad})
        assert answer.status_code == 422 and error_fields(answer) == ["bbox"], (bad, answer.text)
    too_many = client.get(f"{EM}/map", headers=headers, params={"limit": 100_000})
    assert too_many.status_code == 422 and error_fields(too_many) == ["limit"]
