"""The clocks of an incident's information reports (信息报告): who must report to whom, by when, to the minute.

    事发单位 ─1 h─▶ 县级 ─2 h─▶ 市级 ─2 h─▶ 省级 ─2 h─▶ 国务院安全生产监督管理部门

第九条: the unit's responsible person reports within 1 hour of learning of the accident to the county-level (or
higher) department. 第十一条: each level forwards within 2 hours. 第十条: how far up depends on the grade: 一般 to
the 设区的市, 较大 to the province, 重大 and 特别重大 to the State Council's department. The hours, the top level of
each grade and a province's own stricter clocks (a phone report within 30 minutes, say) are data
(``ClockRules``, read from ``emergency/data/rules.json``), because provinces add their own.

Each level's deadline counts from the latest moment the level below may report (the spec's arithmetic: 一般
reaches the city ≤ 3 h after the unit learned of it, 较大 the province ≤ 5 h, 重大 the ministry ≤ 7 h), and a
level added by a regrade upward gets at least its own 2 hours from the regrade. A clock is computed whenever it
is read, from timestamps only, so no periodic job can make a deadline slip: it is ``due`` until a report
reaches its level, then ``met`` at that report's filing time; past its deadline unmet it is ``overdue``. A
report filed after the deadline still meets the clock, and stays counted as late (迟报). Pure: no database, no
clock; ``now`` is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    UNIT = "unit"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


CHAIN: tuple[Level, ...] = tuple(Level)
LEVEL_NAMES_ZH: dict[str, str] = {
    Level.UNIT: "事发单位", Level.COUNTY: "县级", Level.CITY: "市级", Level.PROVINCE: "省级",
    Level.NATIONAL: "国务院安全生产监督管理部门",
}


class Channel(StrEnum):
    WRITTEN = "written"
    PHONE = "phone"


CHANNEL_NAMES_ZH: dict[str, str] = {Channel.WRITTEN: "书面报告", Channel.PHONE: "电话报告"}


class Status(StrEnum):
    DUE = "due"
    MET = "met"
    OVERDUE = "overdue"


STATUS_NAMES_ZH: dict[str, str] = {Status.DUE: "待报", Status.MET: "已报", Status.OVERDUE: "已超时"}


def level_rank(level: str) -> int:
    return CHAIN.index(Level(level))


@dataclass(frozen=True)
class PhoneRule:
    """A province's phone report (电话快报) from the unit to the county within ``minutes``, by grade."""

    minutes_by_grade: Mapping[str, int]
    rule: str


@dataclass(frozen=True)
class ClockRules:
    unit_minutes: int  # 第九条
    unit_rule: str
    level_minutes: int  # 第十一条
    level_rule: str
    top_by_grade: Mapping[str, Level]  # 第十条
    top_rule: str
    ungraded_top: Level  # categories 第493号令 does not grade
    municipalities: frozenset[str]  # province codes (2 digits) with no 设区的市 between county and province
    phone: Mapping[str, PhoneRule]  # province code (2 digits) -> its phone report
    province_minutes: Mapping[str, tuple[int, int, str]] = field(default_factory=dict)  # code -> (unit, level, rule)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClockRules:
        top = {str(k): Level(str(v)) for k, v in dict(data["top_by_grade"]["levels"]).items()}
        unit, level = int(data["unit"]["minutes"]), int(data["per_level"]["minutes"])
        phone: dict[str, PhoneRule] = {}
        overrides: dict[str, tuple[int, int, str]] = {}
        for item in data.get("provinces", []):
            code = str(item["code"])
            if len(code) != 2 or not code.isdigit():
                raise ValueError(f"a province is named by the first two digits of its code, got {code!r}")
            if "phone_minutes" in item:
                minutes = {str(k): int(v) for k, v in dict(item["phone_minutes"]).items()}
                if any(v <= 0 for v in minutes.values()):
                    raise ValueError(f"province {code}: phone report minutes must be positive")
                phone[code] = PhoneRule(minutes, str(item.get("rule", "")))
            if "unit_minutes" in item or "level_minutes" in item:
                overrides[code] = (int(item.get("unit_minutes", unit)), int(item.get("level_minutes", level)),
                                   str(item.get("rule", "")))
        if unit <= 0 or level <= 0 or any(u <= 0 or v <= 0 for u, v, _ in overrides.values()):
            raise ValueError("report clocks must be positive numbers of minutes")
        return cls(unit_minutes=unit, unit_rule=str(data["unit"].get("rule", "")), level_minutes=level,
                   level_rule=str(data["per_level"].get("rule", "")), top_by_grade=top,
                   top_rule=str(data["top_by_grade"].get("rule", "")),
                   ungraded_top=Level(str(data["top_by_grade"].get("ungraded", "city"))),
                   municipalities=frozenset(str(c) for c in data.get("municipalities", [])), phone=phone,
                   province_minutes=overrides)

    def top(self, grade: str | None) -> Level:
        return self.ungraded_top if grade is None else self.top_by_grade.get(grade, self.ungraded_top)


@dataclass(frozen=True)
class Filing:
    """A report as the clocks see it: where it went, how, and when it was sent."""

    to_level: str
    channel: str
    filed_at: datetime


@dataclass(frozen=True)
class Clock:
    from_level: Level
    to_level: Level
    to_code: str | None  # the receiving government's division code; None for the national level
    channel: Channel
    deadline: datetime
    rule: str
    status: Status
    met_at: datetime | None
    late: bool  # 迟报: overdue now, or met after the deadline

    def remaining(self, now: datetime) -> timedelta:
        return self.deadline - now


def chain_codes(region_code: str, municipalities: frozenset[str] = frozenset()) -> dict[Level, str | None]:
    """The governments an incident in ``region_code`` reports up to, by level (a 直辖市 has no city level)."""
    county = region_code[:6]
    province = county[:2] + "0000"
    city = county[:4] + "00"
    codes: dict[Level, str | None] = {Level.COUNTY: county, Level.CITY: city, Level.PROVINCE: province,
                                      Level.NATIONAL: None}
    if county[:2] in municipalities or city == province:
        del codes[Level.CITY]
    if county == province:  # an incident recorded at the province itself reports from there
        codes = {Level.PROVINCE: province, Level.NATIONAL: None}
    elif county == city:  # recorded at the city: the city is the first government to hear of it
        codes.pop(Level.COUNTY, None)
    return codes


def _required_since(levels: Sequence[Level], gradings: Sequence[tuple[datetime, str | None]], start: datetime,
                    rules: ClockRules) -> dict[Level, datetime]:
    """When each level first became required: the first grading whose top reaches it (never later removed)."""
    since: dict[Level, datetime] = {}
    for at, grade in sorted(gradings, key=lambda g: g[0]) or [(start, None)]:
        top = level_rank(rules.top(grade))
        for level in levels:
            if level_rank(level) <= top and level not in since:
                since[level] = max(at, start)
    return since


def compute(*, region_code: str, grade_history: Sequence[tuple[datetime, str | None]], known_at: datetime,
            filings: Sequence[Filing], rules: ClockRules, now: datetime) -> list[Clock]:
    """Every clock of one incident, in chain order (a phone clock right before the written one of its hop).

    ``grade_history`` is each counted grading (time, grade code or None) in any order, the first one at or after
    ``known_at`` (the moment the incident became known). A level a grade once required stays on the list when
    a report reached it, even if a later grading lowered the grade; an unmet one is dropped with the grade.
    """
    codes = chain_codes(region_code, rules.municipalities)
    province = region_code[:2]
    unit_minutes, level_minutes, override_rule = rules.province_minutes.get(
        province, (rules.unit_minutes, rules.level_minutes, ""))
    governments = [level for level in CHAIN if level in codes]
    current = max(grade_history, key=lambda g: g[0])[1] if grade_history else None
    since = _required_since(governments, grade_history, known_at, rules)
    reached = {f.to_level for f in filings}
    keep = [level for level in governments
            if level_rank(level) <= level_rank(rules.top(current)) or (level in since and level.value in reached)]
    clocks: list[Clock] = []
    previous = Level.UNIT
    fixed = known_at + timedelta(minutes=unit_minutes)
    first = True
    for level in keep:
        if not first:
            fixed = fixed + timedelta(minutes=level_minutes)
        deadline = fixed if first else max(fixed, since.get(level, known_at) + timedelta(minutes=level_minutes))
        fixed = deadline
        rule = (rules.unit_rule if first else rules.level_rule) + (f"；{override_rule}" if override_rule else "")
        if first and province in rules.phone:
            phone = rules.phone[province]
            minutes = phone.minutes_by_grade.get(current or "", phone.minutes_by_grade.get("default"))
            if minutes is not None:
                clocks.append(_state(previous, level, codes[level], Channel.PHONE,
                                     known_at + timedelta(minutes=minutes), phone.rule, filings, now))
        clocks.append(_state(previous, level, codes[level], Channel.WRITTEN, deadline, rule, filings, now))
        previous, first = level, False
    return clocks


def _state(from_level: Level, to_level: Level, code: str | None, channel: Channel, deadline: datetime, rule: str,
           filings: Sequence[Filing], now: datetime) -> Clock:
    """A written clock is met by the first written report reaching its level; a phone clock by any report."""
    meeting = [f.filed_at for f in filings
               if f.to_level == to_level.value and (channel is Channel.PHONE or f.channel == Channel.WRITTEN.value)]
    met_at = min(meeting) if meeting else None
    if met_at is not None:
        return Clock(from_level, to_level, code, channel, deadline, rule, Status.MET, met_at, met_at > deadline)
    overdue = now > deadline
    return Clock(from_level, to_level, code, channel, deadline, rule, Status.OVERDUE if overdue else Status.DUE,
                 None, overdue)


def late_count(clocks: Sequence[Clock]) -> int:
    """迟报: the clocks overdue now or met after their deadline."""
    return sum(1 for c in clocks if c.late)
