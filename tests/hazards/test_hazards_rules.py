"""Pure rules: escalation up the region chain, level judging and deadlines, file sniffing, permit rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.hazards.conftest import TINY_JPEG, TINY_PDF, tiny_png

from citysafe.core.config import Settings
from citysafe.core.filekinds import sniff
from citysafe.hazards import rules
from citysafe.hazards.calc import permits as calc
from citysafe.hazards.calc.escalation import (
    DueTicket,
    EscalationPolicy,
    chain,
    next_escalation_at,
    parent_code,
    plan_escalations,
)
from citysafe.hazards.calc.judging import DeadlinePolicy, UnknownCriterion, judge_level

T0 = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)
POLICY = EscalationPolicy(period=timedelta(days=7), top_region="320000")


def test_region_chain_climbs_to_the_province() -> None:
    assert chain("320102002001003", "320000") == [
        "320102002001003", "320102002001", "320102002", "320102", "320100", "320000"]
    assert parent_code("320100") == "320000" and parent_code("320000") is None
    assert chain("320100", "320100") == ["320100"]


def test_escalation_steps_are_announced_once_each_and_in_order() -> None:
    ticket = DueTicket(id=1, region_code="320102002001003", deadline=T0, step=0)
    assert plan_escalations([ticket], T0 - timedelta(seconds=1), POLICY) == []
    first = plan_escalations([ticket], T0, POLICY)
    assert [(e.step, e.region_code) for e in first] == [(1, "320102002001003")]
    # a sweep after three weeks of downtime announces the steps it missed, one level up per week
    late = plan_escalations([DueTicket(1, "320102002001003", T0, 1)], T0 + timedelta(days=21), POLICY)
    assert [(e.step, e.region_code) for e in late] == [(2, "320102002001"), (3, "320102002"), (4, "320102")]
    # it stops at the top of the chain
    top = plan_escalations([DueTicket(1, "320102", T0, 0)], T0 + timedelta(days=365), POLICY)
    assert [e.region_code for e in top] == ["320102", "320100", "320000"]
    assert next_escalation_at("320102", T0, 3, POLICY) is None
    assert next_escalation_at("320102", T0, 1, POLICY) == T0 + timedelta(days=7)


@given(step=st.integers(0, 6), days=st.floats(0, 100), code=st.sampled_from(
    ["320102002001003", "320102002001", "320102002", "320102", "320100"]))
def test_escalation_never_repeats_a_step(step: int, days: float, code: str) -> None:
    now = T0 + timedelta(days=days)
    planned = plan_escalations([DueTicket(1, code, T0, step)], now, POLICY)
    steps = [e.step for e in planned]
    assert steps == list(range(step + 1, step + 1 + len(steps)))
    regions = chain(code, "320000")
    assert all(e.region_code == regions[e.step - 1] for e in planned)
    # announcing what was planned leaves nothing due at the same moment
    last = steps[-1] if steps else step
    assert plan_escalations([DueTicket(1, code, T0, last)], now, POLICY) == []


def test_judging_and_deadlines() -> None:
    standards = rules.standards(Settings())
    assert judge_level(standards, [], None) == "general"
    assert judge_level(standards, [], "major") == "major"
    assert judge_level(standards, ["FIRE-05"], None) == "major"
    with pytest.raises(UnknownCriterion):
        judge_level(standards, ["FIRE-99"], None)
    assert {s.code for s in standards.standards} >= {"HC-2017", "GB35181-2017", "JZ-2022"}
    policy = DeadlinePolicy({"general": 30, "major": 90})
    # reported 1 March 20:00 in Shanghai (12:00 UTC): 30 days later, to the end of that local day
    deadline = policy.deadline("general", datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    assert deadline == datetime(2025, 3, 31, 15, 59, 59, tzinfo=UTC)
    assert policy.deadline("major", T0) - policy.deadline("general", T0) == timedelta(days=60)


def test_sniffing_by_content() -> None:
    assert sniff(tiny_png()[:16]).content_type == "image/png"  # type: ignore[union-attr]
    assert sniff(TINY_JPEG[:16]).content_type == "image/jpeg"  # type: ignore[union-attr]
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ").content_type == "image/webp"  # type: ignore[union-attr]
    assert sniff(TINY_PDF[:16]).content_type == "application/pdf"  # type: ignore[union-attr]
    assert sniff(b"GIF89a\x01\x00") is None
    assert sniff(b"<html><script>") is None
    assert sniff(b"") is None


PERMIT_RULES = rules.permit_rules(Settings())


def test_permit_windows_and_chains() -> None:
    grade = calc.check_window(PERMIT_RULES, "hot_work", "level1", T0, T0 + timedelta(hours=8))
    assert grade.approvals == ("作业单位负责人", "安全管理部门")
    with pytest.raises(calc.PermitRuleError) as too_long:
        calc.check_window(PERMIT_RULES, "hot_work", "special", T0, T0 + timedelta(hours=9))
    assert too_long.value.field == "valid_to" and "8" in too_long.value.message_zh
    with pytest.raises(calc.PermitRuleError) as no_grade:
        calc.check_window(PERMIT_RULES, "confined_space", "level1", T0, T0 + timedelta(hours=1))
    assert no_grade.value.field == "grade"
    assert set(PERMIT_RULES.types) == {"hot_work", "confined_space", "blind_plate", "work_at_height", "lifting",
                                       "temporary_power", "excavation", "road_breaking"}


def test_gas_limits() -> None:
    gas = PERMIT_RULES.gas
    assert calc.gas_problems(gas, calc.GasReading(20.8, 0.0, 0.0, 0.0)) == []
    problems = calc.gas_problems(gas, calc.GasReading(18.0, 12.0, 15.0, None))
    assert len(problems) == 3 and any("氧含量" in p for p in problems)
    assert calc.gas_ready(gas, [(T0, True)], T0 + timedelta(minutes=29))
    assert not calc.gas_ready(gas, [(T0, True)], T0 + timedelta(minutes=31))
    assert not calc.gas_ready(gas, [(T0, True), (T0 + timedelta(minutes=5), False)], T0 + timedelta(minutes=10))
    assert calc.gas_retest_due(gas, T0, T0 + timedelta(hours=2, minutes=1))
    assert not calc.gas_retest_due(gas, T0, T0 + timedelta(hours=1))


def _view(i: int, kind: str, area: str = "", lon: float | None = None, lat: float | None = None,
          start: int = 0, hours: int = 8, org: int = 1, state: str = "approved") -> calc.PermitView:
    return calc.PermitView(i, kind, org, area, lon, lat, T0 + timedelta(hours=start),
                           T0 + timedelta(hours=start + hours), state)


def test_conflicts_in_time_and_place() -> None:
    hot = _view(1, "hot_work", lon=118.8, lat=32.05)
    beside = _view(2, "confined_space", lon=118.80005, lat=32.05)  # about 5 m away
    far = _view(3, "confined_space", lon=118.81, lat=32.05)  # about 1 km away
    later = _view(4, "confined_space", lon=118.8, lat=32.05, start=9)
    other_unit = _view(5, "confined_space", lon=118.81, lat=32.06, org=2)  # a contractor's permit, far away
    closed = _view(6, "confined_space", lon=118.8, lat=32.05, state="closed")
    same_area = _view(7, "blind_plate", area="1#罐区")
    found = calc.conflicts(hot, [beside, far, later, other_unit, closed, same_area], PERMIT_RULES)
    assert [c.other_id for c in found] == [2]
    assert "受限空间" in found[0].reason_zh
    hot_in_area = _view(8, "hot_work", area="1#罐区")
    assert [c.other_id for c in calc.conflicts(hot_in_area, [same_area], PERMIT_RULES)] == [7]
    assert calc.conflicts(_view(9, "work_at_height", area="A"), [_view(10, "temporary_power", area="A")],
                          PERMIT_RULES) == []
    assert calc.is_expired("active", T0, T0 + timedelta(seconds=1))
    assert not calc.is_expired("closed", T0, T0 + timedelta(days=1))
