from __future__ import annotations

import pytest

from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel, max_level, raise_level


def test_ranks_and_chinese_names() -> None:
    assert [lvl.rank for lvl in LEVELS_ASCENDING] == [1, 2, 3, 4]
    assert RiskLevel.RED.rank == 4
    assert [lvl.name_zh for lvl in LEVELS_ASCENDING] == ["低风险", "一般风险", "较大风险", "重大风险"]
    assert [lvl.colour_zh for lvl in LEVELS_ASCENDING] == ["蓝", "黄", "橙", "红"]


def test_ordering_is_by_severity_not_alphabet() -> None:
    assert "orange" < "yellow"  # as plain strings …
    assert RiskLevel.ORANGE > RiskLevel.YELLOW  # … but as levels orange is the more severe
    assert RiskLevel.BLUE < RiskLevel.YELLOW <= RiskLevel.YELLOW < RiskLevel.ORANGE < RiskLevel.RED
    assert max([RiskLevel.YELLOW, RiskLevel.RED, RiskLevel.ORANGE]) is RiskLevel.RED
    assert sorted(RiskLevel, reverse=True) == [RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE]


def test_max_level_ignores_none() -> None:
    assert max_level([None, RiskLevel.YELLOW, RiskLevel.ORANGE, None]) is RiskLevel.ORANGE
    assert max_level([]) is None
    assert max_level([None]) is None


@pytest.mark.parametrize(("level", "steps", "expected"), [
    (RiskLevel.BLUE, 0, RiskLevel.BLUE),
    (RiskLevel.BLUE, 1, RiskLevel.YELLOW),
    (RiskLevel.YELLOW, 2, RiskLevel.RED),
    (RiskLevel.ORANGE, 5, RiskLevel.RED),
    (RiskLevel.RED, 1, RiskLevel.RED),
])
def test_raise_level_caps_at_red(level: RiskLevel, steps: int, expected: RiskLevel) -> None:
    assert raise_level(level, steps) is expected


def test_raise_level_rejects_negative_steps() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        raise_level(RiskLevel.RED, -1)


@pytest.mark.parametrize(("text", "expected"), [
    ("red", RiskLevel.RED), ("重大风险", RiskLevel.RED), ("较大", RiskLevel.ORANGE), ("黄", RiskLevel.YELLOW),
    (1, RiskLevel.BLUE), (" Blue ", RiskLevel.BLUE),
])
def test_parse(text: str | int, expected: RiskLevel) -> None:
    assert RiskLevel.parse(text) is expected


def test_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown risk level"):
        RiskLevel.parse("purple")
    with pytest.raises(ValueError, match="rank"):
        RiskLevel.from_rank(5)
