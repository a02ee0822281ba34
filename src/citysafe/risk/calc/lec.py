"""LEC (作业条件危险性评价法, Graham–Kinney): D = L × E × C, and its mapping to the four colours.

Everything here follows shared/specs/risk-methods.md §2.3:

* L, E and C take only the discrete scores of the published tables; any other value is an input
  error, not something to interpolate.
* D is computed in exact decimal arithmetic so boundary products such as 1 × 0.5 × 40 = 20 land
  exactly on the threshold instead of a hair either side of it.
* The colour mapping is a named preset. Sources disagree, so both published variants ship and the
  interval closure of each is explicit data:

  - ``A`` (xiaomilidoc's four 风险等级, the bottom two Graham classes merged): red D > 320,
    orange 160 < D ≤ 320, yellow 70 < D ≤ 160, blue D ≤ 70. Right-closed like Graham's classes,
    which is what its explicit "D > 320" for red requires; the source's "< 70" for the lowest band
    is the same loose writing as Graham's "< 20", which aqrzj's table shows to include 20.
  - ``B`` (a public Vue LEC page, the top two classes merged): red D ≥ 160, orange 70 ≤ D < 160,
    yellow 20 ≤ D < 70, blue D < 20. Left-closed exactly as written.

The Graham danger class (极其危险 … 稍有危险) is reported alongside, right-closed (aqrzj labels
D = 20 稍有危险).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from citysafe.risk.calc._bands import Bands, format_decimal, to_decimal
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel

#: A score as a number; str is accepted too, as in "0.5" from a spreadsheet cell.
Score = float | Decimal | str

METHOD = "lec"
VERSION = "1.0.0"

_D = Decimal

#: 事故发生的可能性 L.
L_SCORES: Mapping[Decimal, str] = {
    _D("10"): "完全可以预料",
    _D("6"): "相当可能",
    _D("3"): "可能，但不经常",
    _D("1"): "可能性小，完全意外",
    _D("0.5"): "很不可能，可以设想",
    _D("0.2"): "极不可能",
    _D("0.1"): "实际不可能",
}

#: 暴露于危险环境的频繁程度 E.
E_SCORES: Mapping[Decimal, str] = {
    _D("10"): "连续暴露",
    _D("6"): "每天工作时间内暴露",
    _D("3"): "每周一次或偶然暴露",
    _D("2"): "每月一次暴露",
    _D("1"): "每年几次暴露",
    _D("0.5"): "非常罕见地暴露",
}

#: 发生事故可能造成的后果 C. The descriptors vary between sources (casualty-only versus
#: loss-and-casualty wording), so they are default display text only; the scores are what count.
C_SCORES: Mapping[Decimal, str] = {
    _D("100"): "大灾难，许多人死亡",
    _D("40"): "灾难，数人死亡",
    _D("15"): "非常严重，一人死亡",
    _D("7"): "严重，重伤",
    _D("3"): "重大，致残",
    _D("1"): "引人注目，需要救护",
}


@dataclass(frozen=True)
class LecPreset:
    """A mapping of D to the four levels: thresholds for yellow, orange and red, and their closure."""

    name: str
    bands: Bands
    source: str

    def level(self, d: Decimal) -> RiskLevel:
        return LEVELS_ASCENDING[self.bands.band(d)]


PRESETS: Mapping[str, LecPreset] = {
    "A": LecPreset(
        name="A",
        bands=Bands((_D(70), _D(160), _D(320)), closure="right"),
        source="risk-methods.md §2.3 variant A: 风险等级1–4 = >320 / 160–320 / 70–160 / <70 "
               "(xiaomilidoc), right-closed as Graham's classes",
    ),
    "B": LecPreset(
        name="B",
        bands=Bands((_D(20), _D(70), _D(160)), closure="left"),
        source="risk-methods.md §2.3 variant B: D≥160 / 70≤D<160 / 20≤D<70 / D<20 (a public Vue LEC page)",
    ),
}

#: Graham–Kinney danger classes, lowest first, with the action each calls for.
GRAHAM_BANDS = Bands((_D(20), _D(70), _D(160), _D(320)), closure="right")
GRAHAM_CLASSES: tuple[tuple[str, str], ...] = (
    ("稍有危险", "可以接受"),
    ("一般危险", "需要注意"),
    ("显著危险", "需要整改"),
    ("高度危险", "需立即整改"),
    ("极其危险", "不能继续作业"),
)


@dataclass(frozen=True)
class LecResult:
    method: str
    version: str
    preset: str
    l: float  # noqa: E741 - the method's own letter
    e: float
    c: float
    d: float
    level: RiskLevel
    graham_class: str
    graham_action: str


def _score(value: object, name: str, table: Mapping[Decimal, str]) -> Decimal:
    number = to_decimal(value, name)
    if number not in table:
        allowed = ", ".join(format_decimal(v) for v in table)
        raise ValueError(f"LEC parameter {name} must be one of {allowed}; got {value!r}")
    return number


def resolve_preset(preset: str | LecPreset) -> LecPreset:
    if isinstance(preset, LecPreset):
        return preset
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown LEC preset {preset!r}: expected one of {', '.join(PRESETS)}") from None


def level_for_d(d: float | Decimal, preset: str | LecPreset = "A") -> RiskLevel:
    """The four-colour level of a D value under a preset (D need not be an attainable product)."""
    value = to_decimal(d, "D")
    if value < 0:
        raise ValueError(f"D must be non-negative; got {d!r}")
    return resolve_preset(preset).level(value)


def graham_class(d: float | Decimal) -> tuple[str, str]:
    """(class, action) of Graham's five danger classes for a D value."""
    return GRAHAM_CLASSES[GRAHAM_BANDS.band(to_decimal(d, "D"))]


def assess_lec(l: Score, e: Score, c: Score, preset: str | LecPreset = "A") -> LecResult:  # noqa: E741
    """D = L × E × C with validated scores, its level under ``preset`` and its Graham class."""
    ls = _score(l, "L", L_SCORES)
    es = _score(e, "E", E_SCORES)
    cs = _score(c, "C", C_SCORES)
    chosen = resolve_preset(preset)
    d = ls * es * cs
    cls, action = GRAHAM_CLASSES[GRAHAM_BANDS.band(d)]
    return LecResult(
        method=METHOD, version=VERSION, preset=chosen.name,
        l=float(ls), e=float(es), c=float(cs), d=float(d),
        level=chosen.level(d), graham_class=cls, graham_action=action,
    )
