from __future__ import annotations

import pytest

from citysafe.risk.calc.levels import RiskLevel
from citysafe.risk.calc.matrix import PRESETS, assess_matrix

B, Y, OR, R = RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED

# The spec's band tables (risk-methods.md §2.4), as (lowest R, highest R, level).
SPEC_BANDS = {
    "M1": [(1, 3, B), (4, 9, Y), (10, 16, OR), (20, 25, R)],
    "M2": [(1, 8, B), (9, 12, Y), (15, 16, OR), (20, 25, R)],
}
ATTAINABLE = {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25}


def _band_level(preset: str, r: int) -> RiskLevel:
    hits = [lvl for lo, hi, lvl in SPEC_BANDS[preset] if lo <= r <= hi]
    assert len(hits) == 1, (preset, r)
    return hits[0]


@pytest.mark.parametrize("preset", ["M1", "M2"])
def test_bands_cover_every_attainable_product(preset: str) -> None:
    assert {li * si for li in range(1, 6) for si in range(1, 6)} == ATTAINABLE
    for r in ATTAINABLE:
        _band_level(preset, r)


@pytest.mark.parametrize("preset", ["M1", "M2"])
@pytest.mark.parametrize("likelihood", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_full_lookup_matches_spec_bands(preset: str, likelihood: int, severity: int) -> None:
    result = assess_matrix(likelihood, severity, preset)
    assert result.r == likelihood * severity
    assert result.level is _band_level(preset, likelihood * severity)
    assert PRESETS[preset].lookup()[(likelihood, severity)] is result.level


@pytest.mark.parametrize(("ls", "m1", "m2"), [
    ((2, 4), Y, B), ((3, 4), OR, Y), ((4, 4), OR, OR), ((3, 3), Y, Y), ((4, 5), R, R), ((1, 3), B, B),
])
def test_discriminating_vectors(ls: tuple[int, int], m1: RiskLevel, m2: RiskLevel) -> None:
    assert assess_matrix(*ls, "M1").level is m1
    assert assess_matrix(*ls, "M2").level is m2


@pytest.mark.parametrize("preset", ["M1", "M2"])
def test_level_is_monotonic_along_rows_and_columns(preset: str) -> None:
    grid = PRESETS[preset].grid
    for i in range(5):
        for j in range(4):
            assert grid[i][j] <= grid[i][j + 1]
            assert grid[j][i] <= grid[j + 1][i]


@pytest.mark.parametrize(("args", "match"), [
    ((0, 3), "likelihood"), ((6, 3), "likelihood"), ((3, 0), "severity"), ((3, 2.5), "severity"),
    ((True, 3), "likelihood"),
])
def test_invalid_grades(args: tuple[object, object], match: str) -> None:
    with pytest.raises(ValueError, match=f"{match}.*1, 2, 3, 4, 5"):
        assess_matrix(*args)  # type: ignore[arg-type]


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="unknown matrix preset"):
        assess_matrix(3, 3, "M3")
