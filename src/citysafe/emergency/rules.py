"""The editable data of emergency work (``data/rules.json``): categories and sub-types, grade thresholds,
补报 windows, response levels and the clocks of information reports (报告时限, per province where a province sets
its own), each with the article it comes from.

The packaged file is parsed once; a replacement named by ``CITYSAFE_EMERGENCY_RULES_FILE`` is read whenever
it is asked for, so an administrator's edit applies without a release and no application serves another's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from citysafe.core.config import Settings
from citysafe.emergency.calc.clocks import ClockRules
from citysafe.emergency.calc.grade import GradeTable, ReportWindow


@dataclass(frozen=True)
class Subtype:
    code: str
    name: str


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    graded_by_reg493: bool
    subtypes: tuple[Subtype, ...]


@dataclass(frozen=True)
class Rules:
    grades: GradeTable
    windows: ReportWindow
    response_levels: dict[str, str]  # code -> Chinese name, 一级 highest
    categories: dict[str, Category]
    raw: dict[str, Any]
    clocks: ClockRules

    @classmethod
    def from_json(cls, text: str) -> Rules:
        data = json.loads(text)
        categories = {
            str(c["code"]): Category(code=str(c["code"]), name=str(c["name"]),
                                     graded_by_reg493=bool(c.get("graded_by_reg493", False)),
                                     subtypes=tuple(Subtype(str(s["code"]), str(s["name"])) for s in c["subtypes"]))
            for c in data["categories"]["items"]}
        return cls(grades=GradeTable.from_dict(data["grades"]), windows=ReportWindow.from_dict(data["report_windows"]),
                   response_levels={str(x["code"]): str(x["name"]) for x in data["response_levels"]["levels"]},
                   categories=categories, raw=data, clocks=ClockRules.from_dict(data["report_clocks"]))

    def category_name(self, code: str) -> str:
        category = self.categories.get(code)
        return category.name if category else code

    def subtype_name(self, category: str, code: str) -> str:
        for subtype in self.categories[category].subtypes if category in self.categories else ():
            if subtype.code == code:
                return subtype.name
        return code

    def has_subtype(self, category: str, code: str) -> bool:
        return category in self.categories and any(s.code == code for s in self.categories[category].subtypes)


@lru_cache(maxsize=1)
def _packaged() -> Rules:
    return Rules.from_json((resources.files("citysafe.emergency") / "data" / "rules.json").read_text(encoding="utf-8"))


def rules(settings: Settings | None) -> Rules:
    path: Path | None = settings.emergency_rules_file if settings is not None else None
    return Rules.from_json(path.read_text(encoding="utf-8")) if path else _packaged()
