"""城市安全状况: the five rates on the spec's worked example (computed by hand below), the trend vectors of
spec §3, the all-zero policy, the benchmark rule, and input that must be refused rather than read."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from citysafe.evaluation.calc.indicators import IndicatorError, evaluate, lte, parse_years, rates_for, trend

# spec evaluation.md §1.4 worked example: GDP 5,000亿元, 60 deaths; 2,000,000 vehicles, 300 road deaths;
# 8,000,000 residents, 4 fire deaths; 1,500,000 工矿商贸 employees, 25 deaths; 120,000 units, 1 death.
EXAMPLE: dict[str, Any] = {
    "year": 2024, "production_deaths": 60, "gdp_yi": 5000, "road_deaths": 300, "vehicles": 2_000_000,
    "fire_deaths": 4, "residents": 8_000_000, "industrial_deaths": 25, "industrial_employees": 1_500_000,
    "special_equipment_deaths": 1, "special_equipment_units": 120_000,
}


def year(y: int, **changes: Any) -> dict[str, Any]:
    return EXAMPLE | {"year": y} | changes


def test_the_worked_example_by_hand() -> None:
    rates = rates_for(parse_years({"years": [EXAMPLE]})[0])
    assert rates == {
        "gdp_death_rate": Fraction(60, 5000),                      # 0.012
        "vehicle_death_rate": Fraction(300 * 10_000, 2_000_000),   # 1.5
        "fire_death_rate": Fraction(4 * 100_000, 8_000_000),       # 0.05
        "industrial_death_rate": Fraction(25 * 100_000, 1_500_000),  # 1.6667
        "special_equipment_death_rate": Fraction(10_000, 120_000),  # 0.0833
    }
    shown = evaluate({"years": [EXAMPLE]})["years"][0]
    assert shown == {"year": 2024, "gdp_death_rate": 0.012, "vehicle_death_rate": 1.5, "fire_death_rate": 0.05,
                     "industrial_death_rate": 1.666667, "special_equipment_death_rate": 0.083333}


def test_a_gdp_in_decimal_yi_is_exact() -> None:
    rates = rates_for(parse_years({"years": [year(2024, gdp_yi=4999.5, production_deaths=3)]})[0])
    assert rates["gdp_death_rate"] == Fraction(3) / Fraction("4999.5")


@pytest.mark.parametrize(("series", "verdict"), [
    ([Fraction("0.015"), Fraction("0.013"), Fraction("0.012")], "pass"),
    ([Fraction("0.013"), Fraction("0.013"), Fraction("0.012")], "fail"),  # equal is not a decrease
    ([Fraction("0.012"), Fraction("0.013"), Fraction("0.011")], "fail"),
    ([Fraction(3), Fraction(2), Fraction(2)], "fail"),
    ([Fraction(2), Fraction(1), Fraction(0)], "pass"),
    ([Fraction(1), Fraction(0), Fraction(0)], "fail"),  # a held zero is not 逐年下降; only all-zero is a policy
    ([Fraction(0), Fraction(0), Fraction(0)], "pass"),
    ([Fraction(9), Fraction("0.015"), Fraction("0.013"), Fraction("0.012")], "pass"),  # the 3 latest years
])
def test_trend_vectors_of_the_spec(series: list[Fraction], verdict: str) -> None:
    assert trend([(2020 + i, value) for i, value in enumerate(series)]) == verdict


def test_all_zero_is_a_stated_policy() -> None:
    zeros = [(2022, Fraction(0)), (2023, Fraction(0)), (2024, Fraction(0))]
    assert trend(zeros) == "pass"
    assert trend(zeros, all_zero="fail") == "fail"


@pytest.mark.parametrize("series", [
    [(2023, Fraction(2)), (2024, Fraction(1))],                                    # two years only
    [(2020, Fraction(3)), (2022, Fraction(2)), (2024, Fraction(1))],              # not consecutive
    [(2022, Fraction(3)), (2023, None), (2024, Fraction(1))],                     # a year without the figure
])
def test_trend_without_three_consecutive_years_is_insufficient(series: list[tuple[int, Fraction | None]]) -> None:
    assert trend(series) == "insufficient_data"


def test_lte_benchmark() -> None:
    # 南平 2011: GDP rate 0.26 against a 控制指标 of 0.27 (spec §1.4)
    assert lte(Fraction("0.26"), Fraction("0.27")) == "pass"
    assert lte(Fraction("0.27"), Fraction("0.27")) == "pass"
    assert lte(Fraction("0.28"), Fraction("0.27")) == "fail"
    assert lte(None, Fraction("0.27")) == "insufficient_data"


def test_evaluate_sorts_years_and_reports_every_trend() -> None:
    doc = {"years": [year(2024), year(2022, production_deaths=75), year(2023, production_deaths=65)],
           "benchmarks": {"gdp_death_rate": 0.27}}
    result = evaluate(doc)
    assert [y["year"] for y in result["years"]] == [2022, 2023, 2024]
    assert [y["gdp_death_rate"] for y in result["years"]] == [0.015, 0.013, 0.012]
    assert result["trend"] == {"gdp_death_rate": "pass", "vehicle_death_rate": "fail", "fire_death_rate": "fail",
                               "industrial_death_rate": "fail", "special_equipment_death_rate": "fail"}
    assert result["benchmark"] == {"gdp_death_rate": "pass"}


def test_a_null_figure_gives_a_null_rate_and_insufficient_data() -> None:
    result = evaluate({"years": [year(2022), year(2023, fire_deaths=None), year(2024)]})
    assert result["years"][1]["fire_death_rate"] is None
    assert result["trend"]["fire_death_rate"] == "insufficient_data"


@pytest.mark.parametrize(("doc", "message"), [
    ([], 'input: expected a JSON object {"years": [...]}'),
    ({"years": {}}, 'input: expected a JSON object {"years": [...]}'),
    ({"years": [1]}, "years[0]: expected an object"),
    ({"years": [year(2024) | {"year": "2024"}]}, "years[0].year: expected a year"),
    ({"years": [year(2024), year(2024)]}, "years[2024]: the year is given twice"),
    ({"years": [{k: v for k, v in EXAMPLE.items() if k != "vehicles"}]}, "years[2024].vehicles: missing"),
    ({"years": [year(2024, gdp=1)]}, "years[2024].gdp: unknown field"),
    ({"years": [year(2024, gdp_yi="3.2%")]}, "years[2024].gdp_yi: '3.2%' is written as a percentage"),
    ({"years": [year(2024, gdp_yi="5000亿元")]}, "years[2024].gdp_yi: '5000亿元' carries a unit"),
    ({"years": [year(2024, residents="800万")]}, "years[2024].residents: '800万' carries a unit"),
    ({"years": [year(2024, residents="八百万")]}, "years[2024].residents: expected a number, got text"),
    ({"years": [year(2024, road_deaths=True)]}, "years[2024].road_deaths: expected a number"),
    ({"years": [year(2024, road_deaths=-1)]}, "years[2024].road_deaths: must not be negative"),
    ({"years": [year(2024, road_deaths=2.5)]}, "years[2024].road_deaths: deaths are a whole number"),
    ({"years": [year(2024, vehicles=0)]}, "years[2024].vehicles: is 0, vehicle_death_rate cannot be computed"),
    ({"years": [year(2024, gdp_yi=0.0)]}, "years[2024].gdp_yi: is 0, gdp_death_rate cannot be computed"),
    ({"years": [year(2024)], "benchmarks": {"x_rate": 1}}, "benchmarks.x_rate: unknown rate"),
    ({"years": [year(2024)], "benchmarks": {"fire_death_rate": "0.5%"}},
     "benchmarks.fire_death_rate: '0.5%' is written as a percentage"),
])
def test_bad_input_is_refused_naming_the_field_and_year(doc: Any, message: str) -> None:
    with pytest.raises(IndicatorError) as caught:
        evaluate(doc)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
