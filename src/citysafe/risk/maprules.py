"""The rules a four-colour map can aggregate by, their parameters from settings, and how each is stated.

Every map and white paper says which rule drew it and where its class breaks lie (risk-methods.md
§2.5: "record the method + thresholds in every map/white-paper run"). ``describe`` gives that statement
as data: the name, one sentence of method, the basis, and the range of each colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from citysafe.risk.calc.indices import DensityRule, ShareRule, WeightedRule
from citysafe.risk.calc.levels import LEVELS_ASCENDING
from citysafe.risk.rules import WeightedRuleConfig

MapRule = Literal["highest", "weighted", "density", "share"]
MAP_RULES: tuple[MapRule, ...] = ("density", "share", "highest", "weighted")

RULE_NAMES_ZH: Mapping[str, str] = {
    "density": "风险密度（每平方公里风险分值）",
    "share": "重大及较大风险源占比",
    "highest": "就高（区域内最高等级）",
    "weighted": "加权综合指数",
}


class DensityRuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level_scores: tuple[float, float, float, float] = DensityRule.level_scores
    thresholds: tuple[float, float, float] = DensityRule.thresholds

    def to_rule(self) -> DensityRule:
        return DensityRule(level_scores=self.level_scores, thresholds=self.thresholds)


class ShareRuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thresholds: tuple[float, float, float] = ShareRule.thresholds

    def to_rule(self) -> ShareRule:
        return ShareRule(thresholds=self.thresholds)


def _number(value: float) -> str:
    return f"{value:g}"


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


@dataclass(frozen=True)
class MapRules:
    """The map rules in force: the default one and the parameters of each index rule."""

    default: MapRule = "density"
    weighted: WeightedRuleConfig = field(default_factory=WeightedRuleConfig)
    density: DensityRuleConfig = field(default_factory=DensityRuleConfig)
    share: ShareRuleConfig = field(default_factory=ShareRuleConfig)

    def params(self, rule: str) -> WeightedRule | DensityRule | ShareRule | None:
        if rule == "weighted":
            return self.weighted.to_rule()
        if rule == "density":
            return self.density.to_rule()
        if rule == "share":
            return self.share.to_rule()
        return None

    def settings_of(self, rule: str) -> dict[str, Any] | None:
        chosen = {"weighted": self.weighted, "density": self.density, "share": self.share}.get(rule)
        return chosen.model_dump(mode="json") if chosen is not None else None

    def describe(self, rule: str) -> dict[str, Any]:
        """The rule as the legend and the white paper state it (Chinese), with the range of each level."""
        names = [lvl.name_zh for lvl in reversed(LEVELS_ASCENDING)]  # 重大 … 低
        if rule == "highest":
            ranges = [f"含{n}源" for n in names[:3]] + ["仅有低风险源"]
            text = "区域等级取区域内风险源的最高等级。简明、保守，但一处重大风险源即使整个区县变红。"
            return self._statement(rule, text, "就高原则（常用做法）", "", ranges)
        if rule == "share":
            t, fmt = self.share.thresholds, _percent
            text = "区域内重大、较大风险源占已评估风险源的比例，按分级界限分为四级，反映区域风险构成的严重程度。"
            basis = "区域风险构成比例；分级界限为本平台设定（可由管理员配置）"
            unit = "%"
        elif rule == "density":
            t, fmt = self.density.thresholds, _number
            s = self.density.level_scores
            text = (f"区域内风险源按等级计分（低、一般、较大、重大依次为 {'、'.join(map(_number, s))} 分），"
                    "分值之和除以区域面积（平方公里，按 WGS84 椭球面积计算），"
                    "按分级界限分为四级，反映风险的空间集中程度。")
            basis = "计数/密度指数法（点→区域）；分级界限按几何级数设定（可由管理员配置）"
            unit = "分/km²"
        else:
            t, fmt = self.weighted.thresholds, _number
            text = "风险源等级分值按领域权重加权平均，按分级界限分为四级。"
            basis = "分层加权（点→类→区域，权重按 AHP/德尔菲法给出）"
            unit = "分"
        ranges = [f"≥ {fmt(t[2])}", f"{fmt(t[1])} – {fmt(t[2])}", f"{fmt(t[0])} – {fmt(t[1])}", f"< {fmt(t[0])}"]
        return self._statement(rule, text, basis, unit, ranges)

    @staticmethod
    def _statement(rule: str, text: str, basis: str, unit: str, ranges: list[str]) -> dict[str, Any]:
        breaks = [{"level": lvl.value, "name_zh": lvl.name_zh, "range_zh": r}
                  for lvl, r in zip(reversed(LEVELS_ASCENDING), ranges, strict=True)]
        return {"code": rule, "name_zh": RULE_NAMES_ZH[rule], "description_zh": text, "basis_zh": basis,
                "index_unit_zh": unit, "breaks": breaks}


def from_settings(default: MapRule | str, weighted: WeightedRuleConfig, density: Mapping[str, Any] | None,
                  share: Mapping[str, Any] | None) -> MapRules:
    if default not in MAP_RULES:
        raise ValueError(f"unknown map rule {default!r}")
    assert default in ("highest", "weighted", "density", "share")  # narrows the type for mypy
    return MapRules(default=default, weighted=weighted,
                    density=DensityRuleConfig.model_validate(dict(density or {})),
                    share=ShareRuleConfig.model_validate(dict(share or {})))
