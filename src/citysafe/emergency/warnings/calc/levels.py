"""The level table (data/levels.json): level → colour (突发事件应对法 第六十三条) → CAP severity ([U], editable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

CAP_SEVERITIES: Final = frozenset({"Extreme", "Severe", "Moderate", "Minor", "Unknown"})
CAP_URGENCIES: Final = frozenset({"Immediate", "Expected", "Future", "Past", "Unknown"})
CAP_CERTAINTIES: Final = frozenset({"Observed", "Likely", "Possible", "Unlikely", "Unknown"})
CAP_CATEGORIES: Final = frozenset({"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
                                   "Transport", "Infra", "CBRNE", "Other"})


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    colour: str
    colour_zh: str
    hex: str
    severity: str
    urgency: str
    certainty: str


@dataclass(frozen=True)
class LevelTable:
    levels: dict[int, Level]
    cap_categories: dict[str, tuple[str, ...]]
    measures_3_4: tuple[str, ...]
    measures_1_2: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LevelTable:
        """Checked on load: the four levels, and only values OASIS CAP 1.2 accepts (an administrator who
        writes 'Orange' as a severity would make every message invalid)."""
        sev = data["severity"]
        levels: dict[int, Level] = {}
        for item in data["levels"]["items"]:
            number, colour = int(item["level"]), str(item["colour"])
            level = Level(level=number, name=str(item["name"]), colour=colour, colour_zh=str(item["colour_zh"]),
                          hex=str(item.get("hex", "")), severity=str(sev["by_colour"][colour]),
                          urgency=str(sev["urgency_by_level"][str(number)]),
                          certainty=str(sev["certainty_by_level"][str(number)]))
            if level.severity not in CAP_SEVERITIES:
                raise ValueError(f"level {number}: CAP severity {level.severity!r} is not one of "
                                 f"{sorted(CAP_SEVERITIES)}")
            if level.urgency not in CAP_URGENCIES or level.certainty not in CAP_CERTAINTIES:
                raise ValueError(f"level {number}: CAP urgency/certainty not allowed by CAP 1.2")
            levels[number] = level
        if sorted(levels) != [1, 2, 3, 4]:
            raise ValueError("the level table must define levels 1–4 (突发事件应对法 第六十三条)")
        categories = {str(k): tuple(str(c) for c in v) for k, v in data["categories"]["cap_by_category"].items()}
        for cap in categories.values():
            if not cap or not set(cap) <= CAP_CATEGORIES:
                raise ValueError(f"CAP categories {cap} are not CAP 1.2 values")
        measures = data["measures"]
        return cls(levels=levels, cap_categories=categories, measures_3_4=tuple(measures["levels_3_4"]),
                   measures_1_2=tuple(measures["levels_1_2"]))

    def measures(self, level: int) -> tuple[str, ...]:
        """What a government does after issuing a warning of this level: 第六十六条 for 三、四级; for 一、二级
        第六十七条 adds its measures to those of 第六十六条."""
        return (*self.measures_3_4, *self.measures_1_2) if level <= 2 else self.measures_3_4
