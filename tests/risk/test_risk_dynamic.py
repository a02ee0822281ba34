"""Dynamic level: open hazards and active alarms, published through the event bus, raise sources.

Hazards and fire monitoring are other teams' domains; these tests publish their real events through
``citysafe.core.events`` exactly as those domains do (outbox in a transaction, delivery after commit).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from risk_helpers import FUZIMIAO, LIUHE_PARK, SourceFactory, lec, matrix
from sqlalchemy import select

from citysafe.core.clock import to_local
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.events import DomainEvent, publish
from citysafe.firewatch.events import AlarmCleared, AlarmRaised, AlarmUpdated
from citysafe.hazards.events import HazardClosed, HazardLevelChanged, HazardReported
from citysafe.risk import timers
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel
from citysafe.risk.models import RiskFactor
from citysafe.risk.rules import DEFAULT_DYNAMIC_RULES, ActiveFactor, DynamicRule, dynamic_level
from citysafe.risk.service import dynamic

EVENTS: dict[str, type[DomainEvent]] = {cls.name: cls for cls in (
    HazardReported, HazardLevelChanged, HazardClosed, AlarmRaised, AlarmUpdated, AlarmCleared)}


def event_of(name: str, payload: dict[str, Any]) -> DomainEvent:
    """The real event of that name, its fields taken from ``payload`` (a renamed field fails here)."""
    cls = EVENTS[name]
    return cls(**{f.name: payload[f.name] for f in dataclasses.fields(cls)})


def announce(ctx: AppContext, name: str, payload: dict[str, Any]) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        publish(session, event_of(name, payload))


def hazard(ticket_id: int, organization_id: int | None, level: str = "major", region_code: str = "320116",
           at: tuple[float, float] | None = None) -> dict[str, Any]:
    """A hazard ticket event's payload, with every key the hazards domain publishes."""
    return {"ticket_id": ticket_id, "region_code": region_code, "organization_id": organization_id, "level": level,
            "category": "危险化学品", "source": "inspection", "lon": at[0] if at else None,
            "lat": at[1] if at else None, "deadline": "2026-12-31T00:00:00+08:00", "outcome": "closed",
            "closed_at": "", "previous_level": ""}


def alarm(alarm_id: int, kind: str, organization_id: int | None, at: tuple[float, float] | None,
          region_code: str = "320104", state: str = "new", closed: bool = True) -> dict[str, Any]:
    """A fire-monitoring alarm event's payload (the union of AlarmRaised, AlarmUpdated and AlarmCleared)."""
    return {"alarm_id": alarm_id, "kind": kind, "state": state, "region_code": region_code,
            "unit_organization_id": organization_id, "unit_id": None, "unit_name": "", "lon": at[0] if at else None,
            "lat": at[1] if at else None, "device_address": "0001", "component": "1-1-1", "description": "感烟探测器",
            "received_at": "2026-03-01T10:00:00+08:00", "device_time": None, "occurrences": 1, "corroborated": False,
            "maintenance": False, "unregistered": False, "source": "gb26875", "flapping": False, "change": state,
            "closed": closed}


@pytest.fixture
def firm(client: TestClient, city: dict[str, str]) -> dict[str, Any]:
    org: dict[str, Any] = client.post("/api/v1/organizations", headers=city, json={
        "name": "南京扬子化工有限公司", "kind": "enterprise", "region_code": "320116"}).json()
    return org


def levels(client: TestClient, headers: dict[str, str], source_id: int) -> tuple[str, str, list[str]]:
    body = client.get(f"/api/v1/risk/sources/{source_id}", headers=headers).json()
    return body["assessed_level"], body["current_level"], [r["reason_zh"] for r in body["level_reasons"]]


def test_open_major_hazard_raises_every_source_of_the_firm_until_closed(
        ctx: AppContext, client: TestClient, city: dict[str, str], add_source: SourceFactory,
        firm: dict[str, Any]) -> None:
    tank = add_source(name="液氨储罐区", at=LIUHE_PARK, organization_id=firm["id"],
                      assessment=lec(3, 6, 7))  # D 126: yellow
    plant = add_source(name="合成装置", at=LIUHE_PARK, organization_id=firm["id"], assessment=lec(1, 6, 3))  # blue
    other = add_source(name="别家企业", at=LIUHE_PARK, assessment=lec(1, 6, 3))
    announce(ctx, "HazardReported", hazard(1201, firm["id"], at=LIUHE_PARK))
    assessed, current, reasons = levels(client, city, tank["id"])
    assert (assessed, current) == ("yellow", "orange")
    assert reasons == ["存在未销号重大事故隐患1项（工单 1201），风险等级上调一级"]
    assert levels(client, city, plant["id"])[:2] == ("blue", "yellow")
    assert levels(client, city, other["id"])[:2] == ("blue", "blue")
    detail = client.get(f"/api/v1/risk/sources/{tank['id']}", headers=city).json()
    assert detail["active_factors"][0]["ref_id"] == "1201"
    announce(ctx, "HazardLevelChanged", hazard(1201, firm["id"], level="general"))  # re-judged: no raise
    assert levels(client, city, tank["id"])[:2] == ("yellow", "yellow")
    announce(ctx, "HazardLevelChanged", hazard(1201, firm["id"], level="major"))
    assert levels(client, city, tank["id"])[:2] == ("yellow", "orange")
    announce(ctx, "HazardClosed", hazard(1201, firm["id"]))
    assert levels(client, city, tank["id"]) == ("yellow", "yellow", [])


def test_unverified_fire_alarm_raises_the_nearest_source_one_level_for_a_stated_time(
        ctx: AppContext, client: TestClient, city: dict[str, str], add_source: SourceFactory) -> None:
    tower = add_source(name="金陵大厦", kind="high_rise", at=FUZIMIAO, assessment=matrix(1, 2))  # blue
    far = add_source(name="远处大厦", kind="high_rise", at=(FUZIMIAO[0] + 0.01, FUZIMIAO[1]), assessment=matrix(1, 2))
    announce(ctx, "AlarmRaised", alarm(77, "fire", None, (FUZIMIAO[0] + 0.0003, FUZIMIAO[1])))
    with unit_of_work(ctx.session_factory) as session:
        opened = session.scalars(select(RiskFactor).where(RiskFactor.ref_id == "77")).one().opened_at
    until = opened + timedelta(minutes=120)  # the built-in hold (CITYSAFE_RISK_FIRE_ALARM_RAISE_MINUTES)
    assessed, current, reasons = levels(client, city, tower["id"])
    assert (assessed, current) == ("blue", "yellow")  # one level up, not straight to red
    assert reasons == [f"未核实火警（警情 77），临时上调一级至 {to_local(until):%H:%M}"]
    assert levels(client, city, far["id"])[:2] == ("blue", "blue")
    body = client.get("/api/v1/risk/map", headers=city, params={"region": "320100", "unit": "district",
                                                                 "rule": "highest"}).json()
    assert next(f for f in body["features"] if f["id"] == "320104")["properties"]["level"] == "yellow"
    assert any(f"临时上调一级至 {to_local(until):%H:%M}" in note for note in body["notes"])  # the map says so
    assessed_basis = client.get("/api/v1/risk/map", headers=city, params={
        "region": "320100", "unit": "district", "basis": "assessed", "rule": "highest"}).json()
    assert next(f for f in assessed_basis["features"] if f["id"] == "320104")["properties"]["level"] == "blue"
    # The detector returned to normal but the operator has not decided: the fire alarm is still open.
    announce(ctx, "AlarmCleared", alarm(77, "fire", None, None, closed=False))
    assert levels(client, city, tower["id"])[:2] == ("blue", "yellow")
    with unit_of_work(ctx.session_factory) as session:  # a minute before the stated time: still raised
        assert dynamic.lapse_held_raises(session, now=until - timedelta(minutes=1), rules=DEFAULT_DYNAMIC_RULES) == 0
    assert levels(client, city, tower["id"])[:2] == ("blue", "yellow")
    assert timers.run_once(ctx, until) == 1  # the stated time: the raise lapses though the alarm is open
    assert levels(client, city, tower["id"]) == ("blue", "blue", [])
    assert timers.run_once(ctx, until + timedelta(minutes=5)) == 0  # handled once
    announce(ctx, "AlarmUpdated", alarm(77, "fire", None, None, state="false_alarm"))
    assert levels(client, city, tower["id"])[:2] == ("blue", "blue")


def test_the_hold_of_the_fire_alarm_raise_is_a_setting() -> None:
    from citysafe.core.config import Settings
    from citysafe.risk.service import config

    rules = config.from_settings(Settings(risk_fire_alarm_raise_minutes=30, secret_key="x")).rules
    fire = next(r for r in rules if r.name == "active_fire_alarm")
    assert fire.hold_minutes == 30 and fire.raise_steps == 1 and fire.raise_to is None
    assert "上调一级，自发生起至多 30 分钟" in fire.describe_zh()


def test_a_held_raise_counts_a_factor_only_until_its_time() -> None:
    opened = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Nanjing
    fire = ActiveFactor("alarm", "fire", "9", opened)
    assert dynamic_level(RiskLevel.ORANGE, [fire], DEFAULT_DYNAMIC_RULES, now=opened)[0] == RiskLevel.RED
    current, reasons = dynamic_level(RiskLevel.BLUE, [fire], DEFAULT_DYNAMIC_RULES,
                                     now=opened + timedelta(minutes=119))
    assert current == RiskLevel.YELLOW and reasons[0]["reason_zh"] == "未核实火警（警情 9），临时上调一级至 12:00"
    assert reasons[0]["until"] == "2026-03-01T04:00:00+00:00"
    assert dynamic_level(RiskLevel.BLUE, [fire], DEFAULT_DYNAMIC_RULES,
                         now=opened + timedelta(minutes=120)) == (RiskLevel.BLUE, [])


def test_three_general_hazards_raise_one_level_and_repeats_do_not_count_twice(
        ctx: AppContext, client: TestClient, city: dict[str, str], add_source: SourceFactory,
        firm: dict[str, Any]) -> None:
    source = add_source(at=LIUHE_PARK, organization_id=firm["id"], assessment=lec(3, 6, 7))  # yellow
    for ticket in (1, 2, 2):  # ticket 2 announced twice (redelivery): still two distinct tickets
        announce(ctx, "HazardReported", hazard(ticket, firm["id"], level="general"))
    assert levels(client, city, source["id"])[1] == "yellow"
    announce(ctx, "HazardReported", hazard(3, firm["id"], level="general"))
    _, current, reasons = levels(client, city, source["id"])
    assert current == "orange" and "未销号一般隐患3项" in reasons[0]


def test_a_new_assessment_keeps_the_live_raise(ctx: AppContext, client: TestClient, city: dict[str, str],
                                               add_source: SourceFactory, firm: dict[str, Any]) -> None:
    source = add_source(at=LIUHE_PARK, organization_id=firm["id"], assessment=lec(1, 6, 3))
    announce(ctx, "HazardReported", hazard(31, firm["id"]))
    client.post(f"/api/v1/risk/sources/{source['id']}/assessments", headers=city, json=lec(6, 6, 7))  # D 252: orange
    assert levels(client, city, source["id"])[:2] == ("orange", "red")


def test_configured_rules_apply(ctx: AppContext, add_source: SourceFactory, firm: dict[str, Any]) -> None:
    strict = (DynamicRule(name="any_fault_red", factor="alarm", subkinds=("fault",), raise_to=RiskLevel.RED,
                          reason_zh="设施故障{count}处（{refs}）"),)
    source = add_source(at=LIUHE_PARK, organization_id=firm["id"], assessment=lec(1, 6, 3))
    with unit_of_work(ctx.session_factory) as session:
        dynamic.on_alarm_raised(session, event_of("AlarmRaised", alarm(5, "fault", firm["id"], None)),
                                at=ctx.clock.now(), rules=strict, radius_m=100)
    with unit_of_work(ctx.session_factory) as session:
        from citysafe.risk.service import sources

        stored = sources.get(session, source_id=source["id"])
        assert stored.current_level == "red" and stored.level_reasons[0]["reason_zh"] == "设施故障1处（5）"
        assert stored.assessed_level == "blue"


def test_a_rule_needs_exactly_one_action() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        DynamicRule(name="x", factor="hazard", subkinds=("major",), reason_zh="x")


_factor = st.builds(ActiveFactor, kind=st.sampled_from(["hazard", "alarm"]),
                    subkind=st.sampled_from(["general", "major", "fire", "fault"]),
                    ref_id=st.text(alphabet="ABC123", min_size=1, max_size=4))


@given(assessed=st.none() | st.sampled_from(LEVELS_ASCENDING), factors=st.lists(_factor, max_size=8))
def test_dynamic_level_never_lowers_and_explains_every_raise(assessed: RiskLevel | None,
                                                             factors: list[ActiveFactor]) -> None:
    current, reasons = dynamic_level(assessed, factors, DEFAULT_DYNAMIC_RULES)
    if assessed is not None:
        assert current is not None and current >= assessed
    if current != assessed:
        assert reasons and any(r["decisive"] for r in reasons)
    assert dynamic_level(assessed, [], DEFAULT_DYNAMIC_RULES) == (assessed, [])
