"""Named, versioned assessment methods, so every stored assessment says how it was made.

The service layer calls :func:`assess` with a method name and a parameter mapping (as received from
the API or an import file) and stores the :class:`Assessment` it returns: method, version, preset,
the validated parameters, the result fields and the level. Re-running a stored record through the
same method and version reproduces it; a changed rulebook gets a new version string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from citysafe.risk.calc import gb18218, lec, matrix
from citysafe.risk.calc.levels import RiskLevel


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LecParams(_Params):
    """L, E, C scores from the method's tables and the colour preset."""

    l: float = Field(description="事故发生的可能性 L: 10, 6, 3, 1, 0.5, 0.2, 0.1")  # noqa: E741
    e: float = Field(description="暴露于危险环境的频繁程度 E: 10, 6, 3, 2, 1, 0.5")
    c: float = Field(description="后果 C: 100, 40, 15, 7, 3, 1")
    preset: Literal["A", "B"] = "A"


class MatrixParams(_Params):
    likelihood: int = Field(ge=1, le=5, description="可能性 L, 1–5")
    severity: int = Field(ge=1, le=5, description="后果严重性 S, 1–5")
    preset: Literal["M1", "M2"] = "M1"


class HoldingParams(_Params):
    quantity_t: float = Field(description="实际存在量 q in tonnes (design maximum for storage)")
    substance: str | None = None
    hazard_classes: tuple[str, ...] = ()
    critical_quantity_t: float | None = None
    beta: float | None = None


class Gb18218Params(_Params):
    holdings: tuple[HoldingParams, ...] = Field(min_length=1)
    population: int | None = Field(default=None, description="people within 500 m outside the boundary")


@dataclass(frozen=True)
class Assessment:
    """What the service stores: method, version, preset, inputs, result and the derived level."""

    method: str
    version: str
    preset: str | None
    inputs: dict[str, Any]
    result: dict[str, Any]
    level: RiskLevel | None

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-ready dict (levels as their string values)."""
        return {"method": self.method, "version": self.version, "preset": self.preset,
                "inputs": self.inputs, "result": self.result,
                "level": self.level.value if self.level else None}


@dataclass(frozen=True)
class Calculator:
    method: str
    version: str
    title: str
    params_model: type[_Params]
    run: Callable[[Any], Assessment]

    def parse(self, params: Mapping[str, Any] | _Params) -> _Params:
        if isinstance(params, self.params_model):
            return params
        if isinstance(params, BaseModel):
            params = params.model_dump()
        return self.params_model.model_validate(params)

    def assess(self, params: Mapping[str, Any] | _Params) -> Assessment:
        return self.run(self.parse(params))


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, RiskLevel) else v) for k, v in data.items()}


def _run_lec(p: LecParams) -> Assessment:
    res = lec.assess_lec(p.l, p.e, p.c, p.preset)
    result = _plain(asdict(res))
    for key in ("method", "version", "preset", "l", "e", "c"):
        result.pop(key)
    return Assessment(lec.METHOD, lec.VERSION, res.preset, p.model_dump(), result, res.level)


def _run_matrix(p: MatrixParams) -> Assessment:
    res = matrix.assess_matrix(p.likelihood, p.severity, p.preset)
    result = {"r": res.r, "level": res.level.value}
    return Assessment(matrix.METHOD, matrix.VERSION, res.preset, p.model_dump(), result, res.level)


def _run_gb18218(p: Gb18218Params) -> Assessment:
    holdings = [gb18218.Holding(**h.model_dump()) for h in p.holdings]
    res = gb18218.assess_gb18218(holdings, p.population)
    result = asdict(res)
    for key in ("method", "version"):
        result.pop(key)
    result["holdings"] = list(result["holdings"])
    # A major hazard installation's grade is its own scale, not a four-colour level; the service
    # decides how grades feed the map, so no level is derived here.
    return Assessment(gb18218.METHOD, gb18218.VERSION, None, p.model_dump(mode="json"), result, None)


REGISTRY: Mapping[str, Calculator] = {c.method: c for c in (
    Calculator(lec.METHOD, lec.VERSION, "LEC 作业条件危险性评价法 D = L×E×C", LecParams, _run_lec),
    Calculator(matrix.METHOD, matrix.VERSION, "风险矩阵法 R = L×S (5×5)", MatrixParams, _run_matrix),
    Calculator(gb18218.METHOD, gb18218.VERSION, "GB 18218-2018 危险化学品重大危险源辨识与分级",
               Gb18218Params, _run_gb18218),
)}


def get_calculator(method: str) -> Calculator:
    try:
        return REGISTRY[method]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise ValueError(f"unknown assessment method {method!r}: expected one of {known}") from None


def assess(method: str, params: Mapping[str, Any] | BaseModel) -> Assessment:
    """Validate ``params`` for ``method`` and run it."""
    calc = get_calculator(method)
    return calc.assess(params if not isinstance(params, BaseModel) or isinstance(params, _Params)
                       else params.model_dump())
