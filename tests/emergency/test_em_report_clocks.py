"""The clocks of information reports (calc/clocks.py): the chain of 493号令 第九、十、十一条 to the minute, a
province's phone report, met / due / overdue at read time, 迟报 kept after a late filing, and Hypothesis
properties (deadlines along the chain never go back; a regrade upward adds levels and never removes met ones)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citysafe.emergency.calc.clocks import (
    Channel,
    ClockRules,
    Filing,
    Level,
    Status,
    chain_codes,
    compute,
    late_count,
    level_rank,
)
from citysafe.emergency.rules import Rules, rules

RULES = rules(None).clocks
T0 = datetime(2026, 5, 12, 6, 0, tzinfo=UTC)  # 14:00 in Nanjing
GRADES = ["general", "larger", "major", "especially_major"]
NANJING = "320102"  # 玄武区


def _compute(grade: str | None = "general", *, filings: tuple[Filing, ...] = (), now: datetime = T0,
             region: str = NANJING, history: list[tuple[datetime, str | None]] | None = None,
             the_rules: ClockRules = RULES) -> list:  # type: ignore[type-arg]
    return compute(region_code=region, grade_history=history if history is not None else [(T0, grade)],
                   known_at=T0, filings=list(filings), rules=the_rules, now=now)


def test_a_general_accident_reports_up_to_the_city_in_one_then_three_hours() -> None:
    clocks = _compute("general")
    assert [(c.from_level, c.to_level, c.to_code) for c in clocks] == [
        (Level.UNIT, Level.COUNTY, "320102"), (Level.COUNTY, Level.CITY, "320100")]
    assert [c.deadline - T0 for c in clocks] == [timedelta(hours=1), timedelta(hours=3)]
    assert all(c.status is Status.DUE and c.channel is Channel.WRITTEN for c in clocks)
    assert "第九条" in clocks[0].rule and "第十一条" in clocks[1].rule


@pytest.mark.parametrize(("grade", "top", "hours"), [("general", Level.CITY, 3), ("larger", Level.PROVINCE, 5),
                                                     ("major", Level.NATIONAL, 7),
                                                     ("especially_major", Level.NATIONAL, 7)])
def test_the_grade_decides_how_far_up_the_chain_goes(grade: str, top: Level, hours: int) -> None:
    clocks = _compute(grade)
    assert clocks[-1].to_level is top
    assert clocks[-1].deadline == T0 + timedelta(hours=hours)


def test_an_ungraded_category_goes_to_the_city() -> None:
    assert _compute(None)[-1].to_level is Level.CITY


def test_a_municipality_has_no_city_level() -> None:
    assert chain_codes("310101", RULES.municipalities) == {Level.COUNTY: "310101", Level.PROVINCE: "310000",
                                                           Level.NATIONAL: None}
    assert [c.to_level for c in _compute("general", region="310101")] == [Level.COUNTY]
    assert chain_codes("320102001", RULES.municipalities)[Level.COUNTY] == "320102"  # a street reports via its county


def test_met_due_overdue_to_the_minute_and_late_stays_late() -> None:
    on_time = Filing("county", "written", T0 + timedelta(minutes=59, seconds=59))
    clocks = _compute(filings=(on_time,), now=T0 + timedelta(hours=2))
    assert clocks[0].status is Status.MET and not clocks[0].late and clocks[0].met_at == on_time.filed_at
    assert clocks[1].status is Status.DUE
    just_after = _compute(now=T0 + timedelta(hours=1, seconds=1))
    assert just_after[0].status is Status.OVERDUE and just_after[0].late
    at_the_minute = _compute(now=T0 + timedelta(hours=1))
    assert at_the_minute[0].status is Status.DUE  # the deadline itself is still in time
    late = Filing("county", "written", T0 + timedelta(minutes=75))
    filed_late = _compute(filings=(late,), now=T0 + timedelta(hours=2))
    assert filed_late[0].status is Status.MET and filed_late[0].late and late_count(filed_late) == 1


def test_a_skipped_read_never_moves_a_deadline() -> None:
    """Nothing is stored by a job: read at any moment, the same deadline and verdict come out."""
    moments = [T0 + timedelta(minutes=m) for m in (0, 59, 61, 600, 60 * 24 * 30)]
    deadlines = {tuple(c.deadline for c in _compute(now=m)) for m in moments}
    assert len(deadlines) == 1
    assert [_compute(now=m)[0].status for m in moments] == [Status.DUE, Status.DUE, Status.OVERDUE, Status.OVERDUE,
                                                            Status.OVERDUE]


def test_a_phone_report_is_required_where_the_province_says_so() -> None:
    data = json.loads(json.dumps(rules(None).raw))
    data["report_clocks"]["provinces"].append({"code": "32", "name": "江苏省（测试）", "rule": "测试：30分钟内电话报告",
                                               "phone_minutes": {"default": 30}})
    the_rules = Rules.from_json(json.dumps(data)).clocks
    clocks = _compute("general", the_rules=the_rules)
    assert [(c.channel, c.to_level, c.deadline - T0) for c in clocks[:2]] == [
        (Channel.PHONE, Level.COUNTY, timedelta(minutes=30)), (Channel.WRITTEN, Level.COUNTY, timedelta(hours=1))]
    phoned = _compute("general", the_rules=the_rules, filings=(Filing("county", "phone", T0 + timedelta(minutes=20)),),
                      now=T0 + timedelta(minutes=40))
    assert phoned[0].status is Status.MET and phoned[1].status is Status.DUE  # the phone call is no written report
    # Henan's packaged rule: 15 minutes by phone for 重大 and above only.
    assert _compute("major", region="410102")[0].deadline == T0 + timedelta(minutes=15)
    assert all(c.channel is Channel.WRITTEN for c in _compute("general", region="410102"))


def test_bad_rules_are_refused_on_load() -> None:
    data = json.loads(json.dumps(rules(None).raw))
    data["report_clocks"]["per_level"]["minutes"] = 0
    with pytest.raises(ValueError, match="positive"):
        Rules.from_json(json.dumps(data))
    data = json.loads(json.dumps(rules(None).raw))
    data["report_clocks"]["provinces"][0]["code"] = "4101"
    with pytest.raises(ValueError, match="two digits"):
        Rules.from_json(json.dumps(data))


def test_a_regrade_upward_adds_levels_with_their_own_time() -> None:
    late_regrade = T0 + timedelta(hours=10)
    history = [(T0, "general"), (late_regrade, "larger")]
    clocks = _compute(history=history, now=late_regrade)
    assert [c.to_level for c in clocks] == [Level.COUNTY, Level.CITY, Level.PROVINCE]
    assert clocks[-1].deadline == late_regrade + timedelta(hours=2)  # not overdue the moment it appears
    assert clocks[-1].status is Status.DUE


minutes = st.integers(min_value=0, max_value=60 * 24 * 40)
grades = st.sampled_from([*GRADES, None])
filings = st.lists(st.tuples(st.sampled_from(["county", "city", "province", "national"]),
                             st.sampled_from(["written", "phone"]), minutes), max_size=6)


@given(grade=grades, filed=filings, now=minutes)
def test_deadlines_never_go_back_along_the_chain(grade: str | None, filed: list[tuple[str, str, int]],
                                                 now: int) -> None:
    clocks = _compute(grade, filings=tuple(Filing(lv, ch, T0 + timedelta(minutes=m)) for lv, ch, m in filed),
                      now=T0 + timedelta(minutes=now))
    written = [c for c in clocks if c.channel is Channel.WRITTEN]
    assert all(a.deadline < b.deadline for a, b in pairwise(written))
    assert all(level_rank(a.to_level) < level_rank(b.to_level) for a, b in pairwise(written))
    for c in clocks:
        assert c.late == ((c.met_at or T0 + timedelta(minutes=now)) > c.deadline)
        assert (c.status is Status.MET) == (c.met_at is not None)


@given(first=st.sampled_from(GRADES), second=st.sampled_from(GRADES), gap=minutes, filed=filings, now=minutes)
def test_a_regrade_upward_adds_levels_and_no_regrade_removes_a_met_one(
        first: str, second: str, gap: int, filed: list[tuple[str, str, int]], now: int) -> None:
    at = T0 + timedelta(minutes=gap)
    reports = tuple(Filing(lv, ch, T0 + timedelta(minutes=m)) for lv, ch, m in filed)
    moment = max(at, T0 + timedelta(minutes=now))
    before = _compute(history=[(T0, first)], filings=reports, now=moment)
    after = _compute(history=[(T0, first), (at, second)], filings=reports, now=moment)
    levels_before = {(c.to_level, c.channel) for c in before if c.channel is Channel.WRITTEN}
    levels_after = {(c.to_level, c.channel) for c in after if c.channel is Channel.WRITTEN}
    if GRADES.index(second) >= GRADES.index(first):
        assert levels_before <= levels_after
        for old in before:  # the levels already there keep their deadlines
            same = [c for c in after if (c.to_level, c.channel) == (old.to_level, old.channel)]
            assert same and same[0].deadline == old.deadline
    met_before = {(c.to_level, c.met_at) for c in before if c.status is Status.MET and c.channel is Channel.WRITTEN}
    met_after = {(c.to_level, c.met_at) for c in after if c.status is Status.MET and c.channel is Channel.WRITTEN}
    assert met_before <= met_after
