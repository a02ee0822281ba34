"""Judging a hazard's level against a major-hazard standard, and its rectification deadline.

A hazard is *major* (重大事故隐患) when it meets any criterion of a judging standard (重大事故隐患判定标准)
for its field; otherwise it is general unless the reporter or supervisor judges it major. The standards
are data (``hazards/data/standards.json``, replaceable through ``CITYSAFE_HAZARD_STANDARDS_FILE``), so a
city adopts a new edition without a release.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    standard: str


@dataclass(frozen=True)
class Standard:
    code: str
    name: str
    citation: str
    categories: tuple[str, ...]
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Standards:
    standards: tuple[Standard, ...]
    by_code: Mapping[str, Criterion] = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str) -> Standards:
        data = json.loads(text)
        standards: list[Standard] = []
        by_code: dict[str, Criterion] = {}
        for raw in data["standards"]:
            criteria = tuple(Criterion(str(c["code"]), str(c["text"]), str(raw["code"])) for c in raw["criteria"])
            for criterion in criteria:
                if criterion.code in by_code:
                    raise ValueError(f"criterion code {criterion.code} appears twice")
                by_code[criterion.code] = criterion
            standards.append(Standard(code=str(raw["code"]), name=str(raw["name"]), citation=str(raw["citation"]),
                                      categories=tuple(raw.get("categories", ())), criteria=criteria))
        return cls(tuple(standards), by_code)

    def for_category(self, category: str) -> list[Standard]:
        return [s for s in self.standards if category in s.categories]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [{"code": s.code, "name": s.name, "citation": s.citation, "categories": list(s.categories),
                 "criteria": [{"code": c.code, "text": c.text} for c in s.criteria]} for s in self.standards]


class UnknownCriterion(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown judging criterion {code}")
        self.code = code


def judge_level(standards: Standards, criteria: Iterable[str], declared: str | None) -> str:
    """``major`` when any criterion is met or a person judged it so; else ``general``.

    Unknown criterion codes are refused rather than ignored: a typo must not downgrade a major hazard.
    """
    codes = list(criteria)
    for code in codes:
        if code not in standards.by_code:
            raise UnknownCriterion(code)
    if codes or declared == "major":
        return "major"
    return "general"


@dataclass(frozen=True)
class DeadlinePolicy:
    """Days allowed to rectify, by level; the deadline is the end of that day in the city's time zone."""

    days_by_level: Mapping[str, int]
    timezone: str = "Asia/Shanghai"

    def deadline(self, level: str, reported_at: datetime) -> datetime:
        days = self.days_by_level.get(level, self.days_by_level["general"])
        local_day = reported_at.astimezone(ZoneInfo(self.timezone)).date() + timedelta(days=days)
        return end_of_local_day(local_day, self.timezone)


def end_of_local_day(day: date, timezone: str) -> datetime:
    """The last second of ``day`` in ``timezone``: "rectify by 31 March" allows all of 31 March."""
    from datetime import UTC

    local = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)
