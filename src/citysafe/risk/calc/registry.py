"""Every assessment method, defined once: named, versioned, with parameters, presets and grade mapping.

The service layer calls :func:`assess` (or a :class:`Method`'s ``assess``) with a method name and a
parameter mapping (as received from the API, an import file or a console form) and stores the
:class:`Assessment` it returns: method, version, preset, the validated parameters, the result fields and
the level. Re-running a stored record through the same method and version reproduces it; a changed
rulebook gets a new version string. ``given`` records a level decided elsewhere (a third-party report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citysafe.risk.calc import gb18218, lec, matrix
from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel
from citysafe.risk.calc.method import (
    Assessment,
    Method,
    ParamError,
    Parameter,
    Params,
    Preset,
    list_cell,
    number_cell,
    whole_cell,
)

__all__ = ["METHODS", "REGISTRY", "Assessment", "Gb18218Params", "GivenParams", "HoldingParams", "LecParams",
           "MatrixParams", "Method", "ParamError", "assess", "find_method", "get_method",
           "method_label", "preset_name"]


def _scores(table: Mapping[Any, str]) -> dict[float, str]:
    return {float(score): text for score, text in table.items()}


# --- LEC -------------------------------------------------------------------------------------------

_L = Parameter("l", "L", "事故发生的可能性 L", scores=_scores(lec.L_SCORES))
_E = Parameter("e", "E", "暴露于危险环境的频繁程度 E", scores=_scores(lec.E_SCORES))
_C = Parameter("c", "C", "后果 C", scores=_scores(lec.C_SCORES))


class LecParams(Params):
    """L, E, C scores from the method's tables and the colour preset."""

    l: float = Field(description=_L.help())  # noqa: E741
    e: float = Field(description=_E.help())
    c: float = Field(description=_C.help())
    preset: Literal["A", "B"] = "A"


def _run_lec(p: LecParams) -> Assessment:
    res = lec.assess_lec(p.l, p.e, p.c, p.preset)
    result = {k: (v.value if isinstance(v, RiskLevel) else v) for k, v in asdict(res).items()}
    for key in ("method", "version", "preset", "l", "e", "c"):
        result.pop(key)
    return Assessment(lec.METHOD, lec.VERSION, res.preset, p.model_dump(), result, res.level)


def _lec_cells(values: Mapping[str, str]) -> dict[str, Any]:
    return {p.key: number_cell(values, p.key, p.label) for p in (_L, _E, _C)} | {
        "preset": values.get("preset", "").upper() or "A"}


def _lec_preset(name: str, preset: lec.LecPreset) -> Preset:
    bands = preset.bands.describe()  # lowest first
    named = "、".join(f"{lvl.colour_zh} {band}" for lvl, band in zip(LEVELS_ASCENDING, bands, strict=True))
    return Preset(name, f"LEC 预设 {name}（{named}）", preset.source, {"bands": preset.bands.describe()})


# --- 5 × 5 matrix ----------------------------------------------------------------------------------

_LIKELIHOOD = Parameter("likelihood", "可能性等级", "可能性 L", minimum=1, maximum=5, integer=True)
_SEVERITY = Parameter("severity", "严重性等级", "后果严重性 S", minimum=1, maximum=5, integer=True)


class MatrixParams(Params):
    likelihood: int = Field(ge=1, le=5, description=_LIKELIHOOD.help())
    severity: int = Field(ge=1, le=5, description=_SEVERITY.help())
    preset: Literal["M1", "M2"] = "M1"


def _run_matrix(p: MatrixParams) -> Assessment:
    res = matrix.assess_matrix(p.likelihood, p.severity, p.preset)
    return Assessment(matrix.METHOD, matrix.VERSION, res.preset, p.model_dump(), {"r": res.r, "level": res.level.value},
                      res.level)


def _matrix_cells(values: Mapping[str, str]) -> dict[str, Any]:
    return {p.key: whole_cell(values, p.key, p.label) for p in (_LIKELIHOOD, _SEVERITY)} | {
        "preset": values.get("preset", "").upper() or "M1"}


def _matrix_preset(name: str, preset: matrix.MatrixPreset) -> Preset:
    products: dict[RiskLevel, list[int]] = {}
    for (li, si), level in preset.lookup().items():
        products.setdefault(level, []).append(li * si)
    named = "、".join(f"{lvl.name_zh.removesuffix('风险')}{min(products[lvl])}–{max(products[lvl])}"
                     for lvl in LEVELS_ASCENDING if lvl in products)
    return Preset(name, f"风险矩阵 {name}（R=L×S：{named}）", preset.source,
                  {"grid": [[lvl.value for lvl in row] for row in preset.grid]})


# --- GB 18218 --------------------------------------------------------------------------------------

class HoldingParams(Params):
    quantity_t: float = Field(description="实际存在量 q in tonnes (design maximum for storage)")
    substance: str | None = None
    hazard_classes: tuple[str, ...] = ()
    critical_quantity_t: float | None = None
    beta: float | None = None


_HOLDINGS = Parameter("substances", "危险化学品", "危险化学品及其实际存在量（名称=吨数，多种以分号分隔）", unit="t")
_POPULATION = Parameter("residents", "500米内人数", "厂区边界外 500 m 范围内常住人口", unit="人", minimum=0,
                        integer=True)


class Gb18218Params(Params):
    holdings: tuple[HoldingParams, ...] = Field(min_length=1)
    population: int | None = Field(default=None, description="people within 500 m outside the boundary")


def _run_gb18218(p: Gb18218Params) -> Assessment:
    holdings = [gb18218.Holding(**h.model_dump()) for h in p.holdings]
    result = asdict(gb18218.assess_gb18218(holdings, p.population))
    for key in ("method", "version"):
        result.pop(key)
    result["holdings"] = list(result["holdings"])
    # A major hazard installation's grade is its own scale, not a four-colour level: ``graded`` sends it
    # through the configured grade → level mapping (Method.grade), so no level is derived here.
    return Assessment(gb18218.METHOD, gb18218.VERSION, None, p.model_dump(mode="json"), result, None)


def _gb18218_cells(values: Mapping[str, str]) -> dict[str, Any]:
    holdings = []
    for part in list_cell(values.get(_HOLDINGS.key, "")):
        name, sep, qty = part.replace("＝", "=").partition("=")
        if not sep:
            raise ParamError(_HOLDINGS.key, f"{part!r}: expected NAME=TONNES", f"“{part}”格式应为 名称=吨数")
        try:
            holdings.append({"substance": name.strip(), "quantity_t": float(qty)})
        except ValueError:
            raise ParamError(_HOLDINGS.key, f"{part!r}: quantity is not a number", f"“{part}”的数量不是数字") from None
    residents = number_cell(values, _POPULATION.key, _POPULATION.label)
    return {"holdings": holdings, "population": int(residents) if residents is not None else None}


# --- a level given by a third party ----------------------------------------------------------------

GIVEN_VERSION = "1"
_LEVEL = Parameter("level", "风险等级", "风险等级（red/orange/yellow/blue 或 重大/较大/一般/低）")
_BASIS = Parameter("basis", "定级依据", "定级依据：出具该等级的评估报告或决定")


class GivenParams(Params):
    model_config = ConfigDict(frozen=True, extra="ignore")

    level: Any = Field(default=None, description=_LEVEL.help())
    basis: Any = Field(default="", description=_BASIS.help())


def _run_given(p: GivenParams) -> Assessment:
    if p.level is None:
        raise ValueError("a given level needs params.level (red, orange, yellow, blue or 重大/较大/一般/低)")
    level = RiskLevel.parse(p.level)
    basis = str(p.basis).strip()
    if not basis:
        raise ValueError("a given level needs params.basis: the report or decision it comes from")
    return Assessment("given", GIVEN_VERSION, None, {"level": level.value, "basis": basis[:300]},
                      {"level": level.value}, level)


def _given_cells(values: Mapping[str, str]) -> dict[str, Any]:
    return {"level": values.get("level", ""), "basis": values.get("basis", "")}


# --- the registry ----------------------------------------------------------------------------------

METHODS: tuple[Method, ...] = (
    Method(lec.METHOD, lec.VERSION, "LEC 作业条件危险性评价法", "LEC 作业条件危险性评价法 D = L×E×C", "LEC",
           ("作业条件危险性评价法",), (_L, _E, _C), LecParams, _run_lec, _lec_cells,
           presets=tuple(_lec_preset(n, p) for n, p in lec.PRESETS.items()),
           extras=lambda: {"l": {str(k): v for k, v in lec.L_SCORES.items()},
                           "e": {str(k): v for k, v in lec.E_SCORES.items()},
                           "c": {str(k): v for k, v in lec.C_SCORES.items()}}),
    Method(matrix.METHOD, matrix.VERSION, "风险矩阵法（5×5）", "风险矩阵法 R = L×S (5×5)", "风险矩阵",
           ("风险矩阵", "风险矩阵法", "ls"), (_LIKELIHOOD, _SEVERITY), MatrixParams, _run_matrix, _matrix_cells,
           presets=tuple(_matrix_preset(n, p) for n, p in matrix.PRESETS.items())),
    Method(gb18218.METHOD, gb18218.VERSION, "GB 18218-2018 重大危险源", "GB 18218-2018 危险化学品重大危险源辨识与分级",
           "GB18218", ("gb18218-2018", "重大危险源辨识"), (_HOLDINGS, _POPULATION), Gb18218Params, _run_gb18218,
           _gb18218_cells, graded=True,
           extras=lambda: {"standard": gb18218.STANDARD, "substances": len(gb18218.substances())}),
    Method("given", GIVEN_VERSION, "直接定级（第三方评估）", "直接定级：采用第三方评估报告或决定的风险等级", "直接定级",
           ("直接定级", "第三方评估"), (_LEVEL, _BASIS), GivenParams, _run_given, _given_cells),
)
REGISTRY: Mapping[str, Method] = {m.code: m for m in METHODS}


def _normalised(text: str) -> str:
    return text.replace(" ", "").lower()


_BY_NAME: Mapping[str, Method] = {_normalised(name): m for m in METHODS for name in (m.code, *m.aliases)}


def find_method(text: str) -> Method | None:
    """The method a person named: its code or an alias, ignoring spaces and case ('风险矩阵', 'LEC')."""
    return _BY_NAME.get(_normalised(text))


def get_method(code: str) -> Method:
    try:
        return REGISTRY[code]
    except KeyError:
        raise ValueError(f"unknown assessment method {code!r}: expected one of {', '.join(REGISTRY)}") from None


def method_label(code: str, preset: str | None = None) -> str:
    """The Chinese name of a stored method (and preset) for pages; the code itself for an unknown one."""
    method = REGISTRY.get(code)
    return method.label(preset) if method else code


def preset_name(code: str, preset: str | None) -> str:
    """The Chinese name of a stored assessment's preset ('风险矩阵 M1（R=L×S：低1–3、…）'); '' without one."""
    method = REGISTRY.get(code)
    found = method.preset(preset) if method else None
    return found.name_zh if found else (preset or "")


def assess(code: str, params: Mapping[str, Any] | BaseModel) -> Assessment:
    """Validate ``params`` for method ``code`` and run it."""
    return get_method(code).assess(params)
