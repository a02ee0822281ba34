"""Drill duties (国务院令第708号 第八条; 应急管理部令第2号 第三十三条) and who is overdue: pure, on plain values.

A rule names the plan kinds it binds, optionally the sectors of the units it binds (high-risk units and
crowded places), the longest gap allowed between drills in months, and whether it counts per plan (a
government's plan) or per unit (any drill of the unit's plans of those kinds satisfies it). Each rule that
applies to a plan or unit is one duty: due ``every_months`` after the last drill held, or after the
earliest plan came into the library when none was held yet.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


class DutyRuleError(ValueError):
    pass


@dataclass(frozen=True)
class DutyRule:
    code: str
    name: str
    every_months: int
    per: str  # plan | unit
    plan_kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    article: str
    tag: str = ""

    def binds(self, kind: str, sector: str) -> bool:
        return kind in self.plan_kinds and (not self.sectors or any(word in sector for word in self.sectors))

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "every_months": self.every_months, "per": self.per,
                "plan_kinds": list(self.plan_kinds), "sectors": list(self.sectors), "article": self.article,
                "tag": self.tag}


def rule_from_dict(raw: dict[str, Any]) -> DutyRule:
    months = raw.get("every_months")
    if not isinstance(months, int) or not 1 <= months <= 120:
        raise DutyRuleError(f"rule {raw.get('code')}: every_months must be a whole number of months, 1..120")
    if raw.get("per") not in ("plan", "unit"):
        raise DutyRuleError(f"rule {raw.get('code')}: per is plan or unit")
    if not str(raw.get("article", "")).strip():
        raise DutyRuleError(f"rule {raw.get('code')}: each rule cites its article")
    return DutyRule(code=str(raw["code"]), name=str(raw.get("name", raw["code"])), every_months=months,
                    per=str(raw["per"]), plan_kinds=tuple(str(k) for k in raw.get("plan_kinds", [])),
                    sectors=tuple(str(s) for s in raw.get("sectors", [])), article=str(raw["article"]),
                    tag=str(raw.get("tag", "")))


def rules_from_json(text: str) -> tuple[DutyRule, ...]:
    return tuple(rule_from_dict(r) for r in json.loads(text)["rules"])


@dataclass(frozen=True)
class PlanSubject:
    plan_id: int
    kind: str
    organization_id: int | None
    sector: str  # the unit's sector; "" for a government plan
    region_code: str
    since: date  # the day the plan entered the library


@dataclass(frozen=True)
class Duty:
    rule: DutyRule
    plan_ids: tuple[int, ...]
    organization_id: int | None
    region_code: str
    last_held: date | None
    due_on: date

    def overdue_days(self, today: date) -> int:
        return max(0, (today - self.due_on).days)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Aug + 6 months: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def duties(rules: Sequence[DutyRule], plans: Iterable[PlanSubject], held: dict[int, date]) -> list[Duty]:
    """Every duty the rules put on the plans; ``held`` is each plan's last drill held."""
    subjects = list(plans)
    out: list[Duty] = []
    for rule in rules:
        groups: dict[object, list[PlanSubject]] = {}
        for plan in subjects:
            if rule.binds(plan.kind, plan.sector):
                key = plan.plan_id if rule.per == "plan" or plan.organization_id is None else plan.organization_id
                groups.setdefault((rule.per, key), []).append(plan)
        for members in groups.values():
            dates = [held[p.plan_id] for p in members if p.plan_id in held]
            last = max(dates) if dates else None
            start = last or min(p.since for p in members)
            out.append(Duty(rule, tuple(sorted(p.plan_id for p in members)), members[0].organization_id,
                            members[0].region_code, last, add_months(start, rule.every_months)))
    return out


def overdue(all_duties: Iterable[Duty], today: date) -> list[Duty]:
    """The duties past their day, longest overdue first."""
    late = [d for d in all_duties if d.due_on < today]
    return sorted(late, key=lambda d: (d.due_on, d.rule.code, d.plan_ids))
