"""The accident grade of 国务院令第493号 第三条, as a pure function of casualties and direct loss.

    特别重大  ≥30 deaths, or ≥100 serious injuries (incl. acute industrial poisoning), or ≥1亿元 direct loss
    重大      ≥10,        or ≥50,                                                   or ≥5000万元
    较大      ≥3,         or ≥10,                                                   or ≥1000万元
    一般      below all of those

"以上" includes the number and "以下" excludes it, so each threshold is a lower bound that is reached at
the number itself. Any one dimension is enough (the article joins them by "或者"), so the grade is the most
severe one reached on any dimension. Missing persons (下落不明) are not deaths: they are carried beside the
deaths and shown, and count only once they are confirmed dead (a new casualty report, which re-grades).

The thresholds are data (``GradeTable``, read from ``emergency/data/rules.json``) so that a supplementary
rule of the State Council's safety department (the article's last paragraph allows one) is an edit, not a
release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

DIMENSIONS: tuple[str, ...] = ("deaths", "serious_injuries", "loss_yuan")
DIMENSION_NAMES_ZH: dict[str, str] = {
    "deaths": "死亡人数", "serious_injuries": "重伤人数（含急性工业中毒）", "loss_yuan": "直接经济损失（元）",
}


@dataclass(frozen=True)
class GradeLevel:
    code: str
    name: str
    # The lower bound of each dimension at this grade (reached at the number itself: 以上包括本数).
    deaths: int
    serious_injuries: int
    loss_yuan: int

    def threshold(self, dimension: str) -> int:
        return int(getattr(self, dimension))


@dataclass(frozen=True)
class GradeTable:
    """Grades from the most to the least severe; the last is the floor every accident reaches."""

    levels: tuple[GradeLevel, ...]
    rule: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GradeTable:
        levels = tuple(GradeLevel(code=str(item["code"]), name=str(item["name"]), deaths=int(item["deaths"]),
                                  serious_injuries=int(item["serious_injuries"]), loss_yuan=int(item["loss_yuan"]))
                       for item in data["levels"])
        if not levels:
            raise ValueError("the grade table lists no grade")
        for upper, lower in pairwise(levels):
            for dim in DIMENSIONS:
                if upper.threshold(dim) < lower.threshold(dim):
                    raise ValueError(f"grade {upper.name} has a lower {dim} threshold than {lower.name}")
        return cls(levels=levels, rule=str(data.get("rule", "")))

    def by_code(self, code: str) -> GradeLevel:
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)

    def rank(self, code: str) -> int:
        """0 for the most severe grade; larger is less severe."""
        return [level.code for level in self.levels].index(code)


@dataclass(frozen=True)
class Casualties:
    deaths: int = 0
    missing: int = 0
    serious_injuries: int = 0
    minor_injuries: int = 0
    loss_yuan: int = 0

    def __post_init__(self) -> None:
        for name in ("deaths", "missing", "serious_injuries", "minor_injuries", "loss_yuan"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")


@dataclass(frozen=True)
class Grading:
    """The grade and why: the dimension that decided it, its value and the threshold it reached.

    ``decided_by`` is None for the floor grade (一般), which is reached by not reaching any higher one;
    ``reached`` lists every dimension that reached the grade (the first of them is ``decided_by``).
    """

    grade: GradeLevel
    decided_by: str | None
    value: int | None
    threshold: int | None
    reached: tuple[str, ...]
    missing: int
    rule: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade.name, "grade_code": self.grade.code, "decided_by": self.decided_by,
            "decided_by_name": DIMENSION_NAMES_ZH.get(self.decided_by or ""), "value": self.value,
            "threshold": self.threshold, "reached": list(self.reached), "missing": self.missing, "rule": self.rule,
        }


def grade(casualties: Casualties, table: GradeTable) -> Grading:
    """The most severe grade any dimension reaches (thresholds inclusive), and the dimension deciding it."""
    for level in table.levels[:-1]:
        reached = tuple(d for d in DIMENSIONS if getattr(casualties, d) >= level.threshold(d))
        if reached:
            first = reached[0]
            return Grading(grade=level, decided_by=first, value=int(getattr(casualties, first)),
                           threshold=level.threshold(first), reached=reached, missing=casualties.missing,
                           rule=table.rule)
    return Grading(grade=table.levels[-1], decided_by=None, value=None, threshold=None, reached=(),
                   missing=casualties.missing, rule=table.rule)


@dataclass(frozen=True)
class ReportWindow:
    """第十三条: casualty changes within ``days`` of the accident are reported (补报) and count toward its grade."""

    default_days: int
    by_subtype: Mapping[str, int]
    rule: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportWindow:
        by_subtype = {str(k): int(v) for k, v in dict(data.get("by_subtype", {})).items()}
        if int(data["default_days"]) <= 0 or any(v <= 0 for v in by_subtype.values()):
            raise ValueError("report windows must be positive numbers of days")
        return cls(default_days=int(data["default_days"]), by_subtype=by_subtype, rule=str(data.get("rule", "")))

    def days(self, subtype: str) -> int:
        return self.by_subtype.get(subtype, self.default_days)

    def closes_at(self, subtype: str, occurred_at: datetime) -> datetime:
        return occurred_at + timedelta(days=self.days(subtype))

    def is_open(self, subtype: str, occurred_at: datetime, now: datetime) -> bool:
        """Within the window: "自事故发生之日起N日内", counted from the moment of the accident."""
        return now <= self.closes_at(subtype, occurred_at)
