"""The operator's briefing beside an alarm: building, floor, zone and point; the unit's address and numbers;
units within 500 m (nearest first, with what is open there); the unit's false alarms in 30 and 90 days."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.firewatch.fw_support import FIRE, T0, component_frame, ingest, make_unit

from citysafe.core.clock import FixedClock
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work

API = "/api/v1/firewatch"
POINT = 0x0002000A


def _unit(ctx: AppContext, name: str, lon: float, lat: float, region: str = "320102002") -> int:
    from citysafe.firewatch.registry import service as rs
    from citysafe.firewatch.registry.schemas import UnitCreate
    from citysafe.orgs.schemas import Location, OrganizationCreate

    with unit_of_work(ctx.session_factory, actor="tests") as session:
        unit = rs.create_unit(session, unit_in=UnitCreate(
            organization=OrganizationCreate(name=name, kind="networked_unit", region_code=region,
                                            address=f"{name}门口", location=Location(lon=lon, lat=lat)),
            contact_name="值班室", contact_phone="025-80000001"))
        return unit.id


def _false_alarm(ctx: AppContext, *, days_ago: int, note: str) -> int:
    from citysafe.firewatch.alarms.workflow import transition

    at = T0 - timedelta(days=days_ago)
    [outcome] = ingest(ctx, [component_frame(100001, FIRE, component_type=42, at=at)], FixedClock(at))
    alarm_id = outcome.alarms_raised[0]
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        transition(session, alarm_id=alarm_id, action="acknowledge", actor="duty", at=at)
        transition(session, alarm_id=alarm_id, action="false_alarm", actor="duty", at=at + timedelta(minutes=3),
                   note=note)
    return alarm_id


def test_briefing_names_the_place_the_numbers_the_neighbours_and_the_false_alarms(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ids = make_unit(ctx, address=100001, zone_components=[(POINT, "3层", "B区")])
    # 0.001° of latitude is ~111 m; of longitude at 32° ~94 m.
    near = _unit(ctx, "中山路便利店", 118.79, 32.051)
    nearer = _unit(ctx, "中山路药房", 118.7905, 32.05)
    _unit(ctx, "远处的仓库", 118.80, 32.05)  # ~945 m away
    old = _false_alarm(ctx, days_ago=60, note="厨房油烟")
    recent = _false_alarm(ctx, days_ago=10, note="装修粉尘")
    _false_alarm(ctx, days_ago=120, note="太久以前")
    [outcome] = ingest(ctx, [component_frame(100001, FIRE, component_type=42)], FixedClock(T0))
    alarm_id = outcome.alarms_raised[0]
    ctx.clock = FixedClock(T0 + timedelta(minutes=5))
    headers = make_user("operator", "320100")

    got = client.get(f"{API}/alarms/{alarm_id}/briefing", headers=headers)
    assert got.status_code == 200, got.text
    b = got.json()
    assert b["unit"]["id"] == ids["unit_id"] and b["unit"]["address"] == "玄武区中山路1号"
    assert b["place"]["building"] == "1号楼" and b["place"]["floor"] == "3层" and b["place"]["zone"] == "B区"
    assert b["place"]["point"] == f"感烟探测器{POINT}" and b["place"]["device_type"] == "感烟火灾探测器"
    assert (b["unit"]["contact_name"], b["unit"]["contact_phone"]) == ("王伟", "13800000000")
    assert b["nearby_radius_m"] == 500
    assert [n["id"] for n in b["nearby"]] == [nearer, near]
    assert 40 < b["nearby"][0]["distance_m"] < 55 and 105 < b["nearby"][1]["distance_m"] < 120
    assert b["nearby"][0]["contact_phone"] == "025-80000001" and b["nearby"][0]["open_kinds"] == []
    history = b["false_alarms"]
    assert (history["last_30_days"], history["last_90_days"], history["decided_90_days"]) == (1, 2, 2)
    assert [(r["alarm_id"], r["note"]) for r in history["recent"]] == [(recent, "装修粉尘"), (old, "厨房油烟")]


def test_a_neighbour_alarming_too_shows_and_other_districts_see_nothing(
        client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    make_unit(ctx, address=100001)
    neighbour = make_unit(ctx, name="隔壁商场", address=100002)  # same place: 0 m away
    ingest(ctx, [component_frame(100002, FIRE)], FixedClock(T0))
    [outcome] = ingest(ctx, [component_frame(100001, FIRE)], FixedClock(T0))
    alarm_id = outcome.alarms_raised[0]
    b = client.get(f"{API}/alarms/{alarm_id}/briefing", headers=make_user("operator", "320100")).json()
    assert [(n["id"], n["distance_m"], n["open_kinds"]) for n in b["nearby"]] == [(neighbour["unit_id"], 0, ["fire"])]
    assert b["false_alarms"]["recent"] == [] and b["place"]["building"] == ""  # an unregistered point
    outsider = make_user("operator", "320104")
    assert client.get(f"{API}/alarms/{alarm_id}/briefing", headers=outsider).status_code == 404
    assert client.get(f"{API}/alarms/99999/briefing", headers=make_user("operator", "320100")).status_code == 404
