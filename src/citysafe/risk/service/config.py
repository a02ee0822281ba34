"""The risk rulebooks in force, read from settings once per use and validated loudly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citysafe.core.config import Settings
from citysafe.risk import maprules
from citysafe.risk.calc.levels import RiskLevel
from citysafe.risk.rules import (
    DynamicRule,
    WeightedRuleConfig,
    dynamic_rules,
    grade_levels,
    weighted_rule,
)


@dataclass(frozen=True)
class RiskConfig:
    h3_resolution: int
    rules: tuple[DynamicRule, ...]
    grade_levels: dict[int, RiskLevel]
    weighted: WeightedRuleConfig
    match_radius_m: float
    map_rules: maprules.MapRules

    def describe(self) -> dict[str, Any]:
        """The rulebooks as plain data, for the API, the console and every white paper's appendix."""
        return {
            "h3_resolution": self.h3_resolution,
            "dynamic_rules": [r.model_dump(mode="json") for r in self.rules],
            "gb18218_grade_levels": {str(g): lvl.value for g, lvl in sorted(self.grade_levels.items())},
            "weighted": self.weighted.model_dump(mode="json"),
            "match_radius_m": self.match_radius_m,
            "map_rule": self.map_rules.default,
            "density": self.map_rules.density.model_dump(mode="json"),
            "share": self.map_rules.share.model_dump(mode="json"),
        }


def from_settings(settings: Settings) -> RiskConfig:
    weighted = weighted_rule(settings.risk_weighted_rule)
    return RiskConfig(
        h3_resolution=settings.risk_h3_resolution,
        rules=dynamic_rules(settings.risk_dynamic_rules,
                            fire_alarm_hold_minutes=settings.risk_fire_alarm_raise_minutes),
        grade_levels=grade_levels(settings.risk_gb18218_grade_levels),
        weighted=weighted,
        match_radius_m=settings.risk_match_radius_m,
        map_rules=maprules.from_settings(settings.risk_map_rule, weighted, settings.risk_density_rule,
                                         settings.risk_share_rule),
    )
