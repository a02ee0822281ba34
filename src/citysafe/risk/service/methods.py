"""The assessment methods' published tables, as plain data for reports and forms.

Other layers print these (the white paper's method chapter); the calculators themselves stay internal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from citysafe.risk.calc import gb18218, lec, matrix
from citysafe.risk.calc.levels import RiskLevel

LEC_VERSION = lec.VERSION
MATRIX_VERSION = matrix.VERSION
GB18218_VERSION = gb18218.VERSION
GB18218_STANDARD = gb18218.STANDARD


def lec_tables() -> tuple[list[tuple[float, str]], list[tuple[float, str]], list[tuple[float, str]]]:
    """The L, E and C scores with their descriptors, highest first."""
    def rows(table: Mapping[Decimal, str]) -> list[tuple[float, str]]:
        return [(float(score), text) for score, text in table.items()]

    return rows(lec.L_SCORES), rows(lec.E_SCORES), rows(lec.C_SCORES)


def lec_bands() -> dict[str, list[str]]:
    """Each LEC preset's D bands, from red down to blue (e.g. 'D>320', '160<D≤320', …)."""
    return {name: list(reversed(preset.bands.describe())) for name, preset in lec.PRESETS.items()}


def matrix_level(preset: str, likelihood: int, severity: int) -> RiskLevel:
    return matrix.PRESETS[preset].level(likelihood, severity)


def lec_level(l: float, e: float, c: float, preset: str = "A") -> RiskLevel:  # noqa: E741
    """The level of D = L × E × C under an LEC preset (the scores must be the table's)."""
    return lec.assess_lec(l, e, c, preset).level


def matrix_cells(preset: str) -> dict[tuple[int, int], RiskLevel]:
    """A 5×5 matrix preset as {(likelihood, severity): level}."""
    return matrix.PRESETS[preset].lookup()
