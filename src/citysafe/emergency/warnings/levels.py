"""The editable level table (data/levels.json, or ``CITYSAFE_WARNING_LEVELS_FILE``): read like emergency/rules.py —
the packaged file parsed once, an administrator's copy read when asked for, so an edit applies without a release."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from citysafe.core.config import Settings
from citysafe.emergency.warnings.calc.levels import LevelTable


@lru_cache(maxsize=1)
def _packaged() -> LevelTable:
    text = (resources.files("citysafe.emergency.warnings") / "data" / "levels.json").read_text(encoding="utf-8")
    return LevelTable.from_dict(json.loads(text))


def table(settings: Settings | None) -> LevelTable:
    path = settings.warning_levels_file if settings is not None else None
    return LevelTable.from_dict(json.loads(path.read_text(encoding="utf-8"))) if path else _packaged()
