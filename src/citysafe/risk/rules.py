"""Configurable rules of the risk domain: the dynamic level, GB 18218 grades as colours, the weighted map.

Pure: plain data in, levels and reasons out. The rulebooks come from settings (``CITYSAFE_RISK_*``)
and fall back to the built-in ones below, and each is recorded with whatever it produced (a source's
level reasons, a map's parameters) so a result can always be explained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from citysafe.core.clock import to_local
from citysafe.risk.calc.indices import WeightedRule
from citysafe.risk.calc.levels import RiskLevel, raise_level
from citysafe.risk.enums import CATEGORY_CODES, Category

_SUBKIND_NAMES = {"major": "重大事故隐患", "general": "一般隐患", "fire": "火警", "fault": "消防设施故障"}


class DynamicRule(BaseModel):
    """Raise a source's level while at least ``min_count`` matching factors are active."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    factor: Literal["hazard", "alarm"]
    subkinds: tuple[str, ...] = Field(min_length=1, description="hazard level or alarm kind, e.g. major, fire")
    min_count: int = Field(default=1, ge=1)
    raise_steps: int = Field(default=0, ge=0, le=3)
    raise_to: RiskLevel | None = None
    hold_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60, description=(
        "the raise lasts at most this long after each factor opened (None: while the factor is open)"))
    reason_zh: str = Field(description="shown to users; {count}, {refs} and {until} (HH:MM) are filled in")
    reason_en: str = ""

    @model_validator(mode="after")
    def _one_action(self) -> DynamicRule:
        if (self.raise_steps == 0) == (self.raise_to is None):
            raise ValueError(f"rule {self.name}: give exactly one of raise_steps (≥1) or raise_to")
        return self

    def describe_zh(self) -> str:
        """The rule in words, e.g. 存在未销号的重大事故隐患（≥1项）时，风险等级上调一级."""
        names = "、".join(_SUBKIND_NAMES.get(s, s) for s in self.subkinds)
        state = "未销号的" if self.factor == "hazard" else "未处置完毕的"
        unit = "项" if self.factor == "hazard" else "处"
        action = f"升为{self.raise_to.name_zh}" if self.raise_to else f"上调{'一二三'[self.raise_steps - 1]}级"
        held = f"，自发生起至多 {self.hold_minutes} 分钟" if self.hold_minutes else ""
        return f"存在{state}{names}（≥{self.min_count}{unit}）时，风险等级{action}{held}"

    def holds(self, factor: ActiveFactor, now: datetime | None) -> bool:
        """Whether ``factor`` still counts for this rule at ``now`` (a held raise lapses after its time)."""
        if self.hold_minutes is None or now is None or factor.opened_at is None:
            return True
        return factor.opened_at + timedelta(minutes=self.hold_minutes) > now

    def apply(self, assessed: RiskLevel | None) -> RiskLevel:
        if self.raise_to is not None:
            return max(self.raise_to, assessed) if assessed else self.raise_to
        # An unassessed source is raised from the lowest level, so a live problem never stays invisible.
        return raise_level(assessed or RiskLevel.BLUE, self.raise_steps)


DEFAULT_DYNAMIC_RULES: tuple[DynamicRule, ...] = (
    DynamicRule(name="open_major_hazard", factor="hazard", subkinds=("major",), raise_steps=1,
                reason_zh="存在未销号重大事故隐患{count}项（工单 {refs}），风险等级上调一级",
                reason_en="{count} open major hazard(s) ({refs}): raised one level"),
    DynamicRule(name="open_general_hazards", factor="hazard", subkinds=("general",), min_count=3, raise_steps=1,
                reason_zh="未销号一般隐患{count}项（≥3项，工单 {refs}），风险等级上调一级",
                reason_en="{count} open general hazards (≥3, {refs}): raised one level"),
    # An unverified fire alarm is a signal, not yet a fire (most are false alarms): one level up for a
    # stated time, not straight to red. The time is ``FIRE_ALARM_HOLD_MINUTES`` (settings override it).
    DynamicRule(name="active_fire_alarm", factor="alarm", subkinds=("fire",), raise_steps=1,
                hold_minutes=120,
                reason_zh="未核实火警（警情 {refs}），临时上调一级至 {until}",
                reason_en="unverified fire alarm ({refs}): raised one level until {until}"),
    DynamicRule(name="many_active_faults", factor="alarm", subkinds=("fault",), min_count=3, raise_steps=1,
                reason_zh="消防设施故障{count}处未修复（≥3处，警情 {refs}），风险等级上调一级",
                reason_en="{count} unrepaired fire-system faults (≥3, {refs}): raised one level"),
)


def dynamic_rules(configured: Sequence[Mapping[str, Any]] | None, *,
                  fire_alarm_hold_minutes: int | None = None) -> tuple[DynamicRule, ...]:
    """The configured rulebook, or the built-in one (its fire-alarm raise held for the given minutes)."""
    if configured:
        return tuple(DynamicRule.model_validate(dict(rule)) for rule in configured)
    if fire_alarm_hold_minutes is None:
        return DEFAULT_DYNAMIC_RULES
    return tuple(rule.model_copy(update={"hold_minutes": fire_alarm_hold_minutes})
                 if rule.name == "active_fire_alarm" else rule for rule in DEFAULT_DYNAMIC_RULES)


@dataclass(frozen=True)
class ActiveFactor:
    kind: str  # hazard | alarm
    subkind: str
    ref_id: str
    opened_at: datetime | None = None

    def at(self, opened_at: datetime) -> ActiveFactor:
        return replace(self, opened_at=opened_at)


def _until(rule: DynamicRule, matching: Sequence[ActiveFactor]) -> datetime | None:
    """When a held raise lapses: the last matching factor's opening plus the hold."""
    opened = [f.opened_at for f in matching if f.opened_at is not None]
    if rule.hold_minutes is None or not opened:
        return None
    return max(opened) + timedelta(minutes=rule.hold_minutes)


def dynamic_level(assessed: RiskLevel | None, factors: Iterable[ActiveFactor],
                  rules: Sequence[DynamicRule], *,
                  now: datetime | None = None) -> tuple[RiskLevel | None, list[dict[str, Any]]]:
    """The current level and the reasons for it.

    Every rule whose condition holds proposes a level; the highest proposal wins (rules do not stack:
    two rules of "one level up" still mean one level up). Reasons list every rule that held, so the
    console can show all of them, with a flag on those that decided the level. A rule with a hold
    counts a factor only until ``opened_at`` + hold (every factor, when ``now`` is not given); its
    reason then says until when (``until``, ISO, and ``{until}`` in the text as local HH:MM).
    """
    factors = list(factors)
    proposals: list[tuple[RiskLevel, DynamicRule, list[str], datetime | None]] = []
    for rule in rules:
        matching = [f for f in factors if f.kind == rule.factor and f.subkind in rule.subkinds
                    and rule.holds(f, now)]
        refs = sorted(f.ref_id for f in matching)
        if len(refs) >= rule.min_count:
            proposals.append((rule.apply(assessed), rule, refs, _until(rule, matching)))
    if not proposals:
        return assessed, []
    top = max(level for level, _, _, _ in proposals)
    current = max(top, assessed) if assessed else top
    reasons = []
    for level, rule, refs, until in proposals:
        shown = "、".join(refs[:5]) + (f" 等{len(refs)}项" if len(refs) > 5 else "")
        until_text = f"{to_local(until):%H:%M}" if until else "处置完毕"
        reason = {
            "rule": rule.name, "factor": rule.factor, "count": len(refs), "refs": refs[:20],
            "level": level.value, "decisive": level == current and (assessed is None or level > assessed),
            "reason_zh": rule.reason_zh.format(count=len(refs), refs=shown, until=until_text),
            "reason_en": (rule.reason_en or rule.reason_zh).format(count=len(refs), refs=", ".join(refs[:5]),
                                                                   until=until_text),
        }
        if until is not None:
            reason["until"] = until.isoformat()
        reasons.append(reason)
    return current, reasons


# --- GB 18218 grade → four-colour level --------------------------------------------------------------

#: Common provincial practice in 双重预防 guidance: 一级、二级重大危险源 are judged 重大风险 and 三级、
#: 四级 较大风险 directly (the exact clause differs by province, hence configurable; unverified [U]).
DEFAULT_GRADE_LEVELS: Mapping[int, RiskLevel] = {1: RiskLevel.RED, 2: RiskLevel.RED,
                                                   3: RiskLevel.ORANGE, 4: RiskLevel.ORANGE}


def grade_levels(configured: Mapping[str, str] | None) -> dict[int, RiskLevel]:
    if not configured:
        return dict(DEFAULT_GRADE_LEVELS)
    mapping = {int(grade): RiskLevel.parse(level) for grade, level in configured.items()}
    if set(mapping) != {1, 2, 3, 4}:
        raise ValueError("the GB 18218 grade mapping needs a level for each of grades 1, 2, 3 and 4")
    return mapping


# --- the weighted map rule ---------------------------------------------------------------------------

class WeightedRuleConfig(BaseModel):
    """Settings form of the aggregation's weighted rule; category weights keyed by category name."""

    model_config = ConfigDict(extra="forbid")

    # Scores grow by an order of magnitude per level (1, 3, 9, 27) as risk values do, so a unit's mean
    # reflects how much major and large risk it holds rather than collapsing every mixed unit to yellow.
    level_scores: tuple[float, float, float, float] = (1.0, 3.0, 9.0, 27.0)
    thresholds: tuple[float, float, float] = (2.5, 5.0, 10.0)
    statistic: Literal["mean", "sum"] = "mean"
    category_weights: dict[Category, float] = Field(default_factory=lambda: {
        # AHP-style weights of the four domains: industrial accidents and crowded places weigh most.
        Category.INDUSTRIAL: 1.5, Category.CROWDED: 1.3, Category.PUBLIC_FACILITY: 1.0, Category.NATURAL: 1.0,
    })

    @field_validator("category_weights")
    @classmethod
    def _non_negative(cls, value: dict[Category, float]) -> dict[Category, float]:
        if any(w < 0 for w in value.values()):
            raise ValueError("category weights must be non-negative")
        return value

    def to_rule(self) -> WeightedRule:
        return WeightedRule(level_scores=self.level_scores, thresholds=self.thresholds, statistic=self.statistic,
                            category_weights={CATEGORY_CODES[c]: w for c, w in self.category_weights.items()})


def weighted_rule(configured: Mapping[str, Any] | None) -> WeightedRuleConfig:
    return WeightedRuleConfig.model_validate(dict(configured or {}))
