"""Dangerous-work permits (特殊作业票, GB 30871): grades, validity, approval chains, gas tests, conflicts.

The numbers live in ``hazards/data/permit_rules.json`` so that a site adopting stricter internal rules
(or a new edition of the standard) changes data, not code.

    pending ──approve (each step of the chain)──▶ approved ──start──▶ active ──close──▶ closed
       │  └─reject─▶ rejected                         └──close──▶ closed
       └─cancel─▶ cancelled ◀─cancel── approved
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from citysafe.core.geo import haversine_m


class PermitState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ACTIVE = "active"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class PermitAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    CLOSE = "close"
    CANCEL = "cancel"


PERMIT_STATE_NAMES_ZH = {
    PermitState.PENDING: "审批中", PermitState.APPROVED: "已批准", PermitState.ACTIVE: "作业中",
    PermitState.CLOSED: "已关闭", PermitState.REJECTED: "已驳回", PermitState.CANCELLED: "已取消",
}
OPEN_PERMIT_STATES = frozenset({PermitState.PENDING, PermitState.APPROVED, PermitState.ACTIVE})
PERMIT_TRANSITIONS: dict[tuple[PermitState, PermitAction], PermitState] = {
    (PermitState.PENDING, PermitAction.APPROVE): PermitState.PENDING,  # becomes APPROVED at the last step
    (PermitState.PENDING, PermitAction.REJECT): PermitState.REJECTED,
    (PermitState.PENDING, PermitAction.CANCEL): PermitState.CANCELLED,
    (PermitState.APPROVED, PermitAction.START): PermitState.ACTIVE,
    (PermitState.APPROVED, PermitAction.CLOSE): PermitState.CLOSED,
    (PermitState.APPROVED, PermitAction.CANCEL): PermitState.CANCELLED,
    (PermitState.ACTIVE, PermitAction.CLOSE): PermitState.CLOSED,
}


class PermitRuleError(ValueError):
    def __init__(self, message: str, message_zh: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.field = field


@dataclass(frozen=True)
class Grade:
    code: str
    name_zh: str
    max_hours: float
    approvals: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """One grade of a measured quantity: up to ``limit`` (inclusive unless ``below``); no limit = the rest."""

    grade: str
    limit: float | None
    below: bool


@dataclass(frozen=True)
class Measure:
    """What the grade of a work type is read from (working height, lifted mass) and where the bands come from."""

    field: str
    name_zh: str
    unit: str
    minimum: float
    basis: str
    below_min_zh: str
    bands: tuple[Band, ...]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Measure:
        bands = tuple(Band(b["grade"], b.get("below", b.get("max")), "below" in b) for b in raw["bands"])
        return cls(raw["field"], raw["name_zh"], raw["unit"], float(raw["min"]), raw["basis"],
                   raw["below_min_zh"], bands)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "name_zh": self.name_zh, "unit": self.unit, "min": self.minimum,
                "basis": self.basis, "below_min_zh": self.below_min_zh,
                "bands": [{"grade": b.grade} | ({"below" if b.below else "max": b.limit} if b.limit is not None
                                                 else {}) for b in self.bands]}


@dataclass(frozen=True)
class WorkType:
    code: str
    name_zh: str
    gas_test: bool
    grades: Mapping[str, Grade]
    measure: Measure | None = None


@dataclass(frozen=True)
class ConflictRule:
    types: frozenset[str]
    radius_m: float
    reason: str
    reason_zh: str


@dataclass(frozen=True)
class GasLimits:
    before_start_minutes: float
    retest_hours: float
    oxygen_min_pct: float
    oxygen_max_pct: float
    combustible_max_pct_lel: float
    h2s_max_mg_m3: float
    co_max_mg_m3: float


@dataclass(frozen=True)
class PermitRules:
    standard: str
    types: Mapping[str, WorkType]
    conflicts: tuple[ConflictRule, ...]
    gas: GasLimits

    @classmethod
    def from_json(cls, text: str) -> PermitRules:
        data = json.loads(text)
        types = {
            code: WorkType(code, raw["name_zh"], bool(raw["gas_test"]), {
                g: Grade(g, graw["name_zh"], float(graw["max_hours"]), tuple(graw["approvals"]))
                for g, graw in raw["grades"].items()}, Measure.from_dict(raw["measure"]) if "measure" in raw else None)
            for code, raw in data["types"].items()
        }
        conflicts = tuple(ConflictRule(frozenset(c["types"]), float(c["radius_m"]), c["reason"], c["reason_zh"])
                          for c in data["conflicts"])
        return cls(data["standard"], types, conflicts, GasLimits(**data["gas_test"]))

    def grade(self, work_type: str, grade: str) -> Grade:
        kind = self.types.get(work_type)
        if kind is None:
            raise PermitRuleError(f"unknown work type {work_type}", f"未知的作业类型 {work_type}", "work_type")
        found = kind.grades.get(grade)
        if found is None:
            raise PermitRuleError(f"{work_type} has no grade {grade}; choose one of {sorted(kind.grades)}",
                                  f"{kind.name_zh}没有“{grade}”级别，可选：{'、'.join(sorted(kind.grades))}", "grade")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"standard": self.standard, "gas_test": self.gas.__dict__, "types": {
            code: {"name_zh": t.name_zh, "gas_test": t.gas_test, "grades": {
                g.code: {"name_zh": g.name_zh, "max_hours": g.max_hours, "approvals": list(g.approvals)}
                for g in t.grades.values()}} | ({"measure": t.measure.as_dict()} if t.measure else {})
            for code, t in self.types.items()}}


def measured_grade(rules: PermitRules, work_type: str, value: float) -> str:
    """The grade a measured value falls in (GB/T 3608-2008 ch. 4 for height: 2 m ≤ h ≤ 5 m is level 1, 5 < h ≤ 15
    level 2, 15 < h ≤ 30 level 3, h > 30 special; GB 30871-2022 ch. 9 for lifting: m < 40 t level 3,
    40 t ≤ m ≤ 100 t level 2, m > 100 t level 1). The bands are data so a stricter site rule changes the JSON."""
    measure = rules.types[work_type].measure
    if measure is None:
        raise PermitRuleError(f"{work_type} is not graded by a measurement", "该作业类型不按测量值分级", "grade")
    # Height is graded from 2 m inclusive; a lifted mass must be more than nothing.
    too_low = value < measure.minimum if measure.minimum > 0 else value <= measure.minimum
    if too_low:
        raise PermitRuleError(f"{measure.field} below {measure.minimum:g} {measure.unit}", measure.below_min_zh,
                              measure.field)
    for band in measure.bands:
        if band.limit is None or value < band.limit or (not band.below and value == band.limit):
            return band.grade
    raise PermitRuleError(f"{measure.field} {value:g} is above every band", f"{measure.name_zh}超出分级范围",
                          measure.field)


def resolve_grade(rules: PermitRules, work_type: str, grade: str | None, measured: Mapping[str, float | None]) -> str:
    """The grade of a new permit: read from the measurement where the work type has one (a grade sent as well
    must agree), otherwise the grade chosen, or the only grade of a type that has just one."""
    kind = rules.types.get(work_type)
    if kind is None:
        raise PermitRuleError(f"unknown work type {work_type}", f"未知的作业类型 {work_type}", "work_type")
    if kind.measure is not None:
        measure = kind.measure
        value = measured.get(measure.field)
        if value is None:
            raise PermitRuleError(f"give {measure.field}; the grade follows from it ({measure.basis})",
                                  f"须填写{measure.name_zh}（{measure.unit}），作业级别据此确定", measure.field)
        derived = measured_grade(rules, work_type, value)
        if grade and grade != derived:
            given = kind.grades[grade].name_zh if grade in kind.grades else grade
            raise PermitRuleError(
                f"{measure.field} {value:g} {measure.unit} makes the grade {derived}, not {grade} ({measure.basis})",
                f"{measure.name_zh} {value:g} {measure.unit} 应为{kind.grades[derived].name_zh}，"
                f"与所填“{given}”不符（{measure.basis}）", "grade")
        return derived
    if grade:
        return grade
    if len(kind.grades) == 1:
        return next(iter(kind.grades))
    raise PermitRuleError(f"choose the grade of {work_type}", f"请选择{kind.name_zh}的级别", "grade")


def check_window(rules: PermitRules, work_type: str, grade: str, valid_from: datetime, valid_to: datetime) -> Grade:
    found = rules.grade(work_type, grade)
    if valid_to <= valid_from:
        raise PermitRuleError("the validity window must end after it starts", "作业票有效期的结束时间须晚于开始时间",
                              "valid_to")
    if valid_to - valid_from > timedelta(hours=found.max_hours):
        raise PermitRuleError(
            f"{found.name_zh} permits are valid for at most {found.max_hours:g} h ({rules.standard})",
            f"{found.name_zh}作业票有效期不得超过 {found.max_hours:g} 小时（{rules.standard}）", "valid_to")
    return found


@dataclass(frozen=True)
class GasReading:
    oxygen_pct: float | None
    combustible_pct_lel: float | None
    h2s_mg_m3: float | None = None
    co_mg_m3: float | None = None


def gas_problems(limits: GasLimits, reading: GasReading) -> list[str]:
    """What is out of limits, in Chinese for the record; an empty list means the test passed."""
    out: list[str] = []
    if reading.oxygen_pct is None or not limits.oxygen_min_pct <= reading.oxygen_pct <= limits.oxygen_max_pct:
        out.append(f"氧含量应在 {limits.oxygen_min_pct}%～{limits.oxygen_max_pct}% 之间")
    if reading.combustible_pct_lel is None or reading.combustible_pct_lel > limits.combustible_max_pct_lel:
        out.append(f"可燃气体浓度应不大于 {limits.combustible_max_pct_lel}%LEL")
    if reading.h2s_mg_m3 is not None and reading.h2s_mg_m3 > limits.h2s_max_mg_m3:
        out.append(f"硫化氢浓度应不大于 {limits.h2s_max_mg_m3} mg/m³")
    if reading.co_mg_m3 is not None and reading.co_mg_m3 > limits.co_max_mg_m3:
        out.append(f"一氧化碳浓度应不大于 {limits.co_max_mg_m3} mg/m³")
    return out


def gas_ready(limits: GasLimits, tests: Iterable[tuple[datetime, bool]], now: datetime) -> bool:
    """Work may start only after a passing test no older than the configured minutes, and no failure since."""
    latest: tuple[datetime, bool] | None = None
    for test in tests:  # the latest sample; of samples taken at the same moment, the one recorded last
        if latest is None or test[0] >= latest[0]:
            latest = test
    return (latest is not None and latest[1]
            and timedelta(0) <= now - latest[0] <= timedelta(minutes=limits.before_start_minutes))


def gas_retest_due(limits: GasLimits, last_test_at: datetime | None, now: datetime) -> bool:
    return last_test_at is None or now - last_test_at > timedelta(hours=limits.retest_hours)


def is_expired(state: str, valid_to: datetime, now: datetime) -> bool:
    """Still open after its window closed: the work either overran or the permit was never closed."""
    return state in OPEN_PERMIT_STATES and now > valid_to


@dataclass(frozen=True)
class PermitView:
    id: int
    work_type: str
    organization_id: int | None
    area: str
    lon: float | None
    lat: float | None
    valid_from: datetime
    valid_to: datetime
    state: str


@dataclass(frozen=True)
class Conflict:
    permit_id: int
    other_id: int
    reason: str
    reason_zh: str


def _beside(a: PermitView, b: PermitView, radius_m: float) -> bool:
    """The same place is decided by where the work is: within the rule's radius when both permits are located.
    Without coordinates, a named area (装置部位) identifies a place only inside one unit's own plant: two units'
    "1#罐区" are different tanks, so equal words across units prove nothing."""
    if None not in (a.lon, a.lat, b.lon, b.lat):
        return haversine_m(a.lon or 0.0, a.lat or 0.0, b.lon or 0.0, b.lat or 0.0) <= radius_m
    return (a.organization_id == b.organization_id and bool(a.area.strip())
            and a.area.strip() == b.area.strip())


def conflicts(permit: PermitView, others: Iterable[PermitView], rules: PermitRules) -> list[Conflict]:
    """Open permits of any unit (the site's own staff or contractors) whose work clashes with ``permit`` in time
    and place: a contractor's hot work beside another's open confined space is as dangerous as one unit's."""
    out: list[Conflict] = []
    if permit.state not in OPEN_PERMIT_STATES:
        return out
    for other in others:
        if other.id == permit.id or other.state not in OPEN_PERMIT_STATES:
            continue
        if other.valid_to <= permit.valid_from or permit.valid_to <= other.valid_from:
            continue
        pair = frozenset({permit.work_type, other.work_type})
        for rule in rules.conflicts:
            if rule.types == pair and _beside(permit, other, rule.radius_m):
                out.append(Conflict(permit.id, other.id, rule.reason, rule.reason_zh))
                break
    return out
