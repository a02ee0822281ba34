"""5 × 5 risk matrix (LS, 风险矩阵法): R = L × S, graded by an explicit (L, S) → level lookup.

Published threshold sets disagree (risk-methods.md §2.4), and a product-threshold rule cannot
express every matrix in use, so each preset is the full 25-cell table written out below. The
product R is reported for reference only; the level always comes from the table.

Presets (bands of R as the spec gives them; the attainable products are
1 2 3 4 5 6 8 9 10 12 15 16 20 25, so every product falls in exactly one band):

* ``M1``: 低 1–3, 一般 4–9, 较大 10–16, 重大 20–25 (mtoou.info paper citing the 国家安监总局 rule).
* ``M2``: 低 1–8, 一般 9–12, 较大 15–16, 重大 20–25 (common in provincial 双重预防 standards,
  e.g. 山东 DB37/T 2882; unverified).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from citysafe.risk.calc.levels import RiskLevel

METHOD = "matrix"
VERSION = "1.0.0"

_B, _Y, _O, _R = RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED

#: Rows are likelihood L = 1 … 5, columns severity S = 1 … 5.
Grid = tuple[tuple[RiskLevel, ...], ...]


@dataclass(frozen=True)
class MatrixPreset:
    name: str
    grid: Grid
    source: str

    def __post_init__(self) -> None:
        if len(self.grid) != 5 or any(len(row) != 5 for row in self.grid):
            raise ValueError(f"matrix preset {self.name!r} must be 5 × 5")

    def level(self, likelihood: int, severity: int) -> RiskLevel:
        return self.grid[likelihood - 1][severity - 1]

    def lookup(self) -> dict[tuple[int, int], RiskLevel]:
        """The table as {(L, S): level}, for display and for storing with an assessment."""
        return {(li + 1, si + 1): lvl for li, row in enumerate(self.grid) for si, lvl in enumerate(row)}


PRESETS: Mapping[str, MatrixPreset] = {
    "M1": MatrixPreset(
        name="M1",
        grid=(
            # S:  1   2   3   4   5
            (_B, _B, _B, _Y, _Y),  # L=1  R = 1  2  3  4  5
            (_B, _Y, _Y, _Y, _O),  # L=2  R = 2  4  6  8 10
            (_B, _Y, _Y, _O, _O),  # L=3  R = 3  6  9 12 15
            (_Y, _Y, _O, _O, _R),  # L=4  R = 4  8 12 16 20
            (_Y, _O, _O, _R, _R),  # L=5  R = 5 10 15 20 25
        ),
        source="risk-methods.md §2.4 set M1: 低1–3 一般4–9 较大10–16 重大20–25 (mtoou.info/tubiao/54344)",
    ),
    "M2": MatrixPreset(
        name="M2",
        grid=(
            # S:  1   2   3   4   5
            (_B, _B, _B, _B, _B),  # L=1  R = 1  2  3  4  5
            (_B, _B, _B, _B, _Y),  # L=2  R = 2  4  6  8 10
            (_B, _B, _Y, _Y, _O),  # L=3  R = 3  6  9 12 15
            (_B, _B, _Y, _O, _R),  # L=4  R = 4  8 12 16 20
            (_B, _Y, _O, _R, _R),  # L=5  R = 5 10 15 20 25
        ),
        source="risk-methods.md §2.4 set M2: 低1–8 一般9–12 较大15–16 重大20–25 (provincial 双重预防 "
               "standards, e.g. DB37/T 2882; unverified)",
    ),
}


@dataclass(frozen=True)
class MatrixResult:
    method: str
    version: str
    preset: str
    likelihood: int
    severity: int
    r: int
    level: RiskLevel


def _grade(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in (1, 2, 3, 4, 5):
        raise ValueError(f"risk matrix parameter {name} must be one of 1, 2, 3, 4, 5; got {value!r}")
    return int(value)


def resolve_preset(preset: str | MatrixPreset) -> MatrixPreset:
    if isinstance(preset, MatrixPreset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown matrix preset {preset!r}: expected one of {', '.join(PRESETS)}") from None


def assess_matrix(likelihood: int, severity: int, preset: str | MatrixPreset = "M1") -> MatrixResult:
    """Level of a (likelihood, severity) pair under a preset table; R = L × S for reference."""
    li = _grade(likelihood, "likelihood (L)")
    si = _grade(severity, "severity (S)")
    chosen = resolve_preset(preset)
    return MatrixResult(method=METHOD, version=VERSION, preset=chosen.name,
                        likelihood=li, severity=si, r=li * si, level=chosen.level(li, si))
