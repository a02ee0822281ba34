"""The four risk levels of the four-colour map (四色图): 重大/红, 较大/橙, 一般/黄, 低/蓝.

Levels are ordered by ``rank`` (red = 4 highest, blue = 1 lowest). The enum's string values are the
English colour names so they serialise plainly into JSON, GeoJSON properties and database columns;
comparison operators use the rank, not the string, so ``max(levels)`` means "the most severe".
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class RiskLevel(StrEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        """1 (blue, 低风险) … 4 (red, 重大风险)."""
        return _RANKS[self]

    @property
    def name_zh(self) -> str:
        """The level's name in Chinese practice, e.g. 重大风险."""
        return _NAMES_ZH[self]

    @property
    def colour_zh(self) -> str:
        """The single-character colour used on maps and in tables: 红/橙/黄/蓝."""
        return _COLOURS_ZH[self]

    @classmethod
    def from_rank(cls, rank: int) -> RiskLevel:
        try:
            return _BY_RANK[rank]
        except KeyError:
            raise ValueError(f"risk level rank must be one of 1, 2, 3, 4; got {rank!r}") from None

    @classmethod
    def parse(cls, value: str | int | RiskLevel) -> RiskLevel:
        """Accept the English value, a rank, or the Chinese level or colour name."""
        if isinstance(value, RiskLevel):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.from_rank(value)
        if isinstance(value, str):
            text = value.strip()
            for level in cls:
                if text.lower() == level.value or text in (level.name_zh, level.colour_zh,
                                                            level.name_zh.removesuffix("风险")):
                    return level
        raise ValueError(f"unknown risk level {value!r}: expected one of red/orange/yellow/blue, "
                         "a rank 1–4, or 重大/较大/一般/低 (风险), 红/橙/黄/蓝")

    # Order by severity, not alphabetically: "blue" < "red" happens to hold as strings but
    # "orange" < "blue" does not, so str's own ordering must never be used for levels.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank >= other.rank


_RANKS = {RiskLevel.BLUE: 1, RiskLevel.YELLOW: 2, RiskLevel.ORANGE: 3, RiskLevel.RED: 4}
_BY_RANK = {rank: level for level, rank in _RANKS.items()}
_NAMES_ZH = {RiskLevel.RED: "重大风险", RiskLevel.ORANGE: "较大风险",
             RiskLevel.YELLOW: "一般风险", RiskLevel.BLUE: "低风险"}
_COLOURS_ZH = {RiskLevel.RED: "红", RiskLevel.ORANGE: "橙", RiskLevel.YELLOW: "黄", RiskLevel.BLUE: "蓝"}

#: Levels from lowest to highest; index i holds rank i + 1. Count arrays use this column order.
LEVELS_ASCENDING: tuple[RiskLevel, ...] = (RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED)


def max_level(levels: Iterable[RiskLevel | None]) -> RiskLevel | None:
    """The most severe level, ignoring ``None``; ``None`` when there is none (就高 rule)."""
    best: RiskLevel | None = None
    for level in levels:
        if level is not None and (best is None or level.rank > best.rank):
            best = level
    return best


def raise_level(level: RiskLevel, steps: int = 1) -> RiskLevel:
    """The level ``steps`` grades higher, capped at red.

    Used for the dynamic level: open hazards and live alarms raise a source's assessed level.
    Lowering is deliberately not offered here; a lower level comes from a new assessment.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer; got {steps!r}")
    return RiskLevel.from_rank(min(level.rank + steps, 4))
