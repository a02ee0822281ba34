"""The 20 门类 (sections A–T) of GB/T 4754-2017《国民经济行业分类》, read from ``emergency/data/industries.json``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

UNKNOWN_NAME = "未分类"


@lru_cache(maxsize=1)
def sections() -> dict[str, str]:
    """门类 letter -> name, in the standard's order."""
    data = json.loads((resources.files("citysafe.emergency") / "data" / "industries.json").read_text(encoding="utf-8"))
    return {str(s["code"]): str(s["name"]) for s in data["sections"]}


def name(code: str) -> str:
    return sections().get(code, UNKNOWN_NAME) if code else UNKNOWN_NAME


def lookup(text: str) -> str | None:
    """The letter a cell names: "C", "c", "制造业", "C 制造业" or "C制造业"; None when it names no 门类."""
    value = text.strip().replace("\u3000", " ")
    table = sections()
    if value.upper() in table:
        return value.upper()
    for code, title in table.items():
        if value == title or (value[:1].upper() == code and value[1:].strip(" 　-—:：") == title):
            return code
    return None
