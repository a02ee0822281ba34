"""城市安全状况: the five yearly death rates, the trend rule and the benchmark rule (spec evaluation.md §1.4, §3).

Rates (standard statistical definitions [D]; names [V] from 统计公报):

    gdp_death_rate               亿元GDP生产安全事故死亡率     production_deaths ÷ gdp_yi (亿元)
    vehicle_death_rate           道路交通事故万车死亡率        road_deaths ÷ vehicles × 10⁴
    fire_death_rate              火灾十万人口死亡率            fire_deaths ÷ residents × 10⁵
    industrial_death_rate        工矿商贸十万人死亡率          industrial_deaths ÷ industrial_employees × 10⁵
    special_equipment_death_rate 特种设备万台死亡率            special_equipment_deaths ÷ special_equipment_units × 10⁴

Input is checked, never guessed: every field is a plain number (a field may be null when the figure is not
known — its rate is then null); a rate or count written as text ("3.2%", "5000亿元") is refused with the
field and year named, because a percent-formatted rate in a 统计公报 is a known trap (spec §3: "3.2%" almost
certainly meant 0.032 人/亿元, which only a person can confirm); deaths are whole and ≥ 0; a denominator of 0
is refused. Rates are computed exactly (fractions) so that the trend never turns on a rounding; they are
printed rounded to 6 decimals.

Rules:
- ``trend`` — "近三年…逐年下降" (local plans mirroring the 细则, spec §3 [V as local text]; the 细则's own rule is
  [U]): the three most recent years must be consecutive and the rate strictly falling; equal is not a
  decrease. Fewer than three consecutive recent years, or a null rate among them → ``insufficient_data``.
  All three zero is a policy ([U], spec §3): ``all_zero="pass"`` by default (nothing is left to fall), or
  ``"fail"``.
- ``lte`` — the latest year's rate ≤ a benchmark or control target (e.g. 南平 2011 控制指标 0.27 [V]);
  no latest rate → ``insufficient_data``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

__all__ = ["FIELDS", "RATES", "IndicatorError", "YearFigures", "lte", "parse_years", "rates_for", "trend"]

Verdict = Literal["pass", "fail", "insufficient_data"]
AllZero = Literal["pass", "fail"]


class IndicatorError(ValueError):
    """Input figures that cannot be used; the message names the field and the year."""


@dataclass(frozen=True)
class Rate:
    name: str
    name_zh: str
    deaths: str
    base: str
    base_zh: str
    per: int


RATES: tuple[Rate, ...] = (
    Rate("gdp_death_rate", "亿元GDP生产安全事故死亡率", "production_deaths", "gdp_yi", "地区生产总值（亿元）", 1),
    Rate("vehicle_death_rate", "道路交通事故万车死亡率", "road_deaths", "vehicles", "机动车保有量", 10_000),
    Rate("fire_death_rate", "火灾十万人口死亡率", "fire_deaths", "residents", "常住人口", 100_000),
    Rate("industrial_death_rate", "工矿商贸就业人员十万人生产安全事故死亡率", "industrial_deaths",
         "industrial_employees", "工矿商贸就业人员", 100_000),
    Rate("special_equipment_death_rate", "特种设备万台死亡率", "special_equipment_deaths", "special_equipment_units",
         "在用特种设备台数", 10_000),
)
FIELDS: tuple[str, ...] = tuple(f for rate in RATES for f in (rate.deaths, rate.base))
_DEATHS = frozenset(rate.deaths for rate in RATES)
_NUMBER_WITH_UNIT = re.compile(r"^\s*[-+]?\d[\d,，.]*\s*\S+")


@dataclass(frozen=True)
class YearFigures:
    year: int
    figures: Mapping[str, Fraction | None]


def _number(value: Any, name: str, year: object, where: str = "") -> Fraction | None:
    who = f"对标值 {name}" if where else f"{year}年 {name}"
    where = where or f"years[{year}].{name}"
    if value is None:
        return None
    if isinstance(value, bool):
        raise IndicatorError(f"{where}: expected a number, got {value!r} / {who} 应为数字")
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("%", "％", "‰")):
            raise IndicatorError(f"{where}: {value!r} is written as a percentage; give the plain figure"
                                 " (rates are computed here, not read)"
                                 f" / {who} 写成了百分数，请给出原始数字")
        if _NUMBER_WITH_UNIT.match(text):
            raise IndicatorError(f"{where}: {value!r} carries a unit; give a plain number in the field's unit"
                                 f" / {who} 带有单位，请只填数字")
        raise IndicatorError(f"{where}: expected a number, got text {value!r} / {who} 应为数字")
    if not isinstance(value, int | float):
        raise IndicatorError(f"{where}: expected a number, got {type(value).__name__} / {who} 应为数字")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise IndicatorError(f"{where}: expected a finite number / {who} 应为有限数字")
    number = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    if number < 0:
        raise IndicatorError(f"{where}: must not be negative, got {value} / {who} 不能为负数")
    if name in _DEATHS and number.denominator != 1:
        raise IndicatorError(f"{where}: deaths are a whole number, got {value} / {who} 死亡人数应为整数")
    return number


def parse_years(document: Any) -> list[YearFigures]:
    """``{"years": [{"year": …, <FIELDS>…}, …]}`` checked field by field, sorted by year."""
    if not isinstance(document, Mapping) or not isinstance(document.get("years"), list):
        raise IndicatorError('input: expected a JSON object {"years": [...]} / 输入应为 {"years": [...]}')
    out: dict[int, YearFigures] = {}
    for index, entry in enumerate(document["years"]):
        if not isinstance(entry, Mapping):
            raise IndicatorError(f"years[{index}]: expected an object / 第 {index + 1} 项应为对象")
        year = entry.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
            raise IndicatorError(f"years[{index}].year: expected a year such as 2024, got {year!r}"
                                 f" / 第 {index + 1} 项的年份不正确")
        if year in out:
            raise IndicatorError(f"years[{year}]: the year is given twice / {year}年重复")
        missing = [name for name in FIELDS if name not in entry]
        if missing:
            raise IndicatorError(f"years[{year}].{missing[0]}: missing / {year}年缺少 {missing[0]}")
        extra = sorted(set(entry) - {"year", *FIELDS})
        if extra:
            raise IndicatorError(f"years[{year}].{extra[0]}: unknown field / {year}年有未知字段 {extra[0]}")
        figures = {name: _number(entry[name], name, year) for name in FIELDS}
        for rate in RATES:
            if figures[rate.base] == 0:
                raise IndicatorError(f"years[{year}].{rate.base}: is 0, {rate.name} cannot be computed"
                                     f" / {year}年 {rate.base_zh}为 0，无法计算{rate.name_zh}")
        out[year] = YearFigures(year, figures)
    return [out[year] for year in sorted(out)]


def rates_for(figures: YearFigures) -> dict[str, Fraction | None]:
    out: dict[str, Fraction | None] = {}
    for rate in RATES:
        deaths, base = figures.figures[rate.deaths], figures.figures[rate.base]
        out[rate.name] = None if deaths is None or base is None else deaths / base * rate.per
    return out


def trend(series: Sequence[tuple[int, Fraction | None]], *, years: int = 3, all_zero: AllZero = "pass") -> Verdict:
    """``series`` is (year, rate) sorted by year; see the module's rule."""
    recent = list(series)[-years:]
    if len(recent) < years or any(b[0] - a[0] != 1 for a, b in itertools.pairwise(recent)):
        return "insufficient_data"
    values = [value for _, value in recent]
    if any(value is None for value in values):
        return "insufficient_data"
    if all(value == 0 for value in values):
        return all_zero
    return "pass" if all(b < a for a, b in itertools.pairwise(values)) else "fail"  # type: ignore[operator]


def lte(latest: Fraction | None, benchmark: Fraction) -> Verdict:
    if latest is None:
        return "insufficient_data"
    return "pass" if latest <= benchmark else "fail"


def shown(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 6)


def evaluate(document: Any, *, all_zero: AllZero = "pass") -> dict[str, Any]:
    """The CLI's answer: every year's rates, the trend per rate, and ``benchmark`` verdicts when the input
    carries ``"benchmarks": {rate name: number}``."""
    parsed = parse_years(document)
    per_year = [(y.year, rates_for(y)) for y in parsed]
    result: dict[str, Any] = {
        "years": [{"year": year, **{name: shown(value) for name, value in rates.items()}} for year, rates in per_year],
        "trend": {rate.name: trend([(year, rates[rate.name]) for year, rates in per_year], all_zero=all_zero)
                  for rate in RATES},
    }
    benchmarks = document.get("benchmarks")
    if benchmarks is not None:
        if not isinstance(benchmarks, Mapping):
            raise IndicatorError("benchmarks: expected {rate name: number} / benchmarks 格式应为 {指标: 数值}")
        verdicts: dict[str, Verdict] = {}
        names = {rate.name for rate in RATES}
        for name, value in benchmarks.items():
            if name not in names:
                raise IndicatorError(f"benchmarks.{name}: unknown rate; known: {', '.join(sorted(names))}"
                                     f" / 未知指标 {name}")
            target = _number(value, name, "", where=f"benchmarks.{name}")
            if target is None:
                raise IndicatorError(f"benchmarks.{name}: expected a number / 对标值应为数字")
            verdicts[name] = lte(per_year[-1][1][name] if per_year else None, target)
        result["benchmark"] = verdicts
    return result


__all__ += ["evaluate", "shown"]
