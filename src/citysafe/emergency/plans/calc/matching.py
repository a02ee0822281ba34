"""Which plans an incident calls for, and the response level each calls for (突发事件应对法 第七十一条: the
response level is fixed in the plan, separate from the incident's grade; GB/T 29639-2020 "响应分级不可照搬事故分级").

The inputs are plain values so that the incidents part of the domain can call this at activation without
this module knowing its tables: the caller turns an incident into ``IncidentFacts`` and plans into ``PlanFacts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from citysafe.core.validators import region_prefix, within_region

# 一级 is the highest response level (第七十一条); codes sort so that "1" < "4" means more severe.
RESPONSE_LEVELS: tuple[str, ...] = ("1", "2", "3", "4")
RESPONSE_LEVEL_NAMES_ZH: dict[str, str] = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}


@dataclass(frozen=True)
class IncidentFacts:
    category: str  # natural_disaster | accident | public_health | social_security
    sub_type: str | None
    grade: str | None  # especially_major | major | larger | general; None while not graded
    region_code: str


@dataclass(frozen=True)
class Trigger:
    """One condition of a plan: every part given must hold; an empty tuple means "any"."""

    level: str
    categories: tuple[str, ...] = ()
    sub_types: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()  # divisions whose subtree the plan covers (empty: the plan's own region)


@dataclass(frozen=True)
class PlanFacts:
    plan_id: int
    region_code: str  # the owner's division: a plan covers its own subtree unless a trigger names regions
    triggers: tuple[Trigger, ...]


@dataclass(frozen=True)
class PlanMatch:
    plan_id: int
    level: str
    trigger_index: int  # which trigger decided, so the activation can say why


def trigger_matches(trigger: Trigger, facts: IncidentFacts, plan_region: str) -> bool:
    if trigger.categories and facts.category not in trigger.categories:
        return False
    if trigger.sub_types and facts.sub_type not in trigger.sub_types:
        return False
    if trigger.grades and facts.grade not in trigger.grades:
        return False
    regions = trigger.region_codes or (plan_region,)
    return any(within_region(facts.region_code, region) for region in regions)


def _more_severe(a: str, b: str) -> bool:
    return RESPONSE_LEVELS.index(a) < RESPONSE_LEVELS.index(b)


def matching_plans(facts: IncidentFacts, plans: Iterable[PlanFacts]) -> list[PlanMatch]:
    """The plans whose triggers match ``facts``, each with the most severe response level a matching trigger
    calls for; the most severe first, then the most local plan (the longest region code), then by id."""
    found: list[tuple[PlanMatch, str]] = []
    for plan in plans:
        best: PlanMatch | None = None
        for index, trigger in enumerate(plan.triggers):
            if trigger.level not in RESPONSE_LEVELS or not trigger_matches(trigger, facts, plan.region_code):
                continue
            if best is None or _more_severe(trigger.level, best.level):
                best = PlanMatch(plan.plan_id, trigger.level, index)
        if best is not None:
            found.append((best, plan.region_code))
    found.sort(key=lambda m: (RESPONSE_LEVELS.index(m[0].level), -len(region_prefix(m[1])), m[0].plan_id))
    return [match for match, _ in found]


def plan_facts(plan_id: int, region_code: str, triggers: Sequence[dict[str, object]]) -> PlanFacts:
    """``PlanFacts`` from a version's stored triggers (the JSON the plan schemas write)."""
    def strings(value: object) -> tuple[str, ...]:
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    return PlanFacts(plan_id, region_code, tuple(
        Trigger(level=str(t.get("level", "")), categories=strings(t.get("categories")),
                sub_types=strings(t.get("sub_types")), grades=strings(t.get("grades")),
                region_codes=strings(t.get("region_codes")))
        for t in triggers))
