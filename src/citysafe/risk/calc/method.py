"""What an assessment method is, as data: its parameters, presets, grade mapping and compute function.

``registry`` defines each method once with these types; imports, assessments, the API and the console
read the definitions instead of keeping their own lists of names, parameters and presets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from citysafe.risk.calc.levels import RiskLevel


class Params(BaseModel):
    """Base of every method's validated parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ParamError(Exception):
    """A parameter given as text (an import cell, a console field) that cannot be read, in both languages.

    Not a ValueError on purpose: a caller's ``except ValueError`` around other checks must not swallow it.
    """

    def __init__(self, field_name: str, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.field, self.message, self.message_zh = field_name, message, message_zh


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
class Parameter:
    """One input of a method: its key, its label in messages and forms, and what values it takes."""

    key: str
    label: str
    name_zh: str
    unit: str = ""
    scores: Mapping[float, str] = field(default_factory=dict)  # the only values allowed, with their meaning
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    def help(self) -> str:
        """One line for a field's description, e.g. '事故发生的可能性 L: 10, 6, 3, …'."""
        if self.scores:
            return f"{self.name_zh}: {', '.join(f'{s:g}' for s in self.scores)}"
        if self.minimum is not None and self.maximum is not None:
            return f"{self.name_zh}, {self.minimum:g}–{self.maximum:g}"
        return f"{self.name_zh}{f' ({self.unit})' if self.unit else ''}"

    def describe(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "name_zh": self.name_zh, "unit": self.unit,
                "scores": {f"{s:g}": text for s, text in self.scores.items()}, "minimum": self.minimum,
                "maximum": self.maximum, "integer": self.integer}


@dataclass(frozen=True)
class Preset:
    """A named grade mapping of a method (LEC's D bands, a matrix table), with its Chinese name for pages."""

    code: str
    name_zh: str
    source: str
    grading: Mapping[str, Any]  # the mapping as data: {"bands": [...]} or {"grid": [[...]]}

    def describe(self) -> dict[str, Any]:
        return {**self.grading, "name_zh": self.name_zh, "source": self.source}


@dataclass(frozen=True)
class Method:
    """One assessment method, defined once.

    ``compute`` turns validated ``params_model`` parameters into an :class:`Assessment`; ``from_cells``
    reads the parameters from text cells (an import row, a console form; raises :class:`ParamError`);
    ``graded`` says the level comes from the configured grade → level mapping (GB 18218's 一级…四级).
    """

    code: str
    version: str
    name_zh: str
    title: str
    short_zh: str
    aliases: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    params_model: type[Params]
    compute: Callable[[Any], Assessment]
    from_cells: Callable[[Mapping[str, str]], dict[str, Any]]
    presets: tuple[Preset, ...] = ()
    graded: bool = False
    extras: Callable[[], dict[str, Any]] = dict

    @property
    def default_preset(self) -> str | None:
        return self.presets[0].code if self.presets else None

    def preset(self, code: str | None) -> Preset | None:
        return next((p for p in self.presets if p.code == code), None)

    def parse(self, params: Mapping[str, Any] | BaseModel) -> Params:
        if isinstance(params, self.params_model):
            return params
        if isinstance(params, BaseModel):
            params = params.model_dump()
        return self.params_model.model_validate(params)

    def assess(self, params: Mapping[str, Any] | BaseModel) -> Assessment:
        """Validate ``params`` (pydantic ValidationError) and compute (ValueError on a rule of the method)."""
        return self.compute(self.parse(params))

    def grade(self, assessment: Assessment, grade_levels: Mapping[int, RiskLevel]) -> Assessment:
        """The assessment with its level taken from ``grade_levels`` when the method grades (GB 18218)."""
        grade = assessment.result.get("grade")
        if not self.graded or grade is None:
            return assessment
        level = grade_levels[int(grade)]
        result = {**assessment.result, "level_from_grade": level.value}
        return Assessment(assessment.method, assessment.version, assessment.preset, assessment.inputs, result, level)

    def label(self, preset: str | None = None) -> str:
        """The name pages show, with the preset when there is one: '风险矩阵法（5×5）· M1'."""
        return f"{self.name_zh} · {preset}" if preset and self.preset(preset) else self.name_zh

    def describe(self) -> dict[str, Any]:
        """The method as plain data for assessment forms (``GET /api/v1/risk/methods``)."""
        return {"version": self.version, "name_zh": self.name_zh, "title": self.title,
                "parameters": [p.describe() for p in self.parameters],
                "presets": {p.code: p.describe() for p in self.presets}, "default_preset": self.default_preset,
                "graded": self.graded, **self.extras()}


# --- reading parameters from text cells -------------------------------------------------------------


def number_cell(values: Mapping[str, str], key: str, label: str) -> float | None:
    """A number from a text cell; None when empty; ParamError naming ``label`` when it is not a number."""
    text = values.get(key, "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ParamError(key, f"{label} must be a number; got {text!r}", f"{label}须为数字，实际为“{text}”") from None


def whole_cell(values: Mapping[str, str], key: str, label: str) -> int | float | None:
    """As ``number_cell``, as an int when the number is whole (the method's validation judges the rest)."""
    number = number_cell(values, key, label)
    return int(number) if number is not None and number.is_integer() else number


def list_cell(text: str) -> list[str]:
    """The parts of a list typed in one cell or field: separated by ; ， , or new lines (half or full width)."""
    for sep in ("；", "，", ",", "\n"):
        text = text.replace(sep, ";")
    return [part for part in text.split(";") if part.strip()]
