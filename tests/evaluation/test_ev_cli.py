"""`citysafe evaluation …` as users script it: the exact JSON contract of `indicators`, `score` on a criteria
file, and exit 2 with one line on stderr for every kind of bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ev_samples import small
from typer.testing import CliRunner

from citysafe.commands.evaluation import app

runner = CliRunner()

YEAR: dict[str, Any] = {
    "year": 2024, "production_deaths": 60, "gdp_yi": 5000, "road_deaths": 300, "vehicles": 2_000_000,
    "fire_deaths": 4, "residents": 8_000_000, "industrial_deaths": 25, "industrial_employees": 1_500_000,
    "special_equipment_deaths": 1, "special_equipment_units": 120_000,
}
RATE_NAMES = ["gdp_death_rate", "vehicle_death_rate", "fire_death_rate", "industrial_death_rate",
              "special_equipment_death_rate"]


def years(*entries: dict[str, Any]) -> str:
    return json.dumps({"years": list(entries)}, ensure_ascii=False)


def one_line_error(result: Any, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in expected:
        assert text in lines[0]
    assert result.stdout == ""


def test_indicators_prints_the_contract() -> None:
    stdin = years(YEAR | {"year": 2022, "production_deaths": 75}, YEAR | {"year": 2023, "production_deaths": 65},
                  YEAR)
    result = runner.invoke(app, ["indicators"], input=stdin)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == ["years", "trend"]
    assert [list(y) for y in out["years"]] == [["year", *RATE_NAMES]] * 3
    assert out["years"][2] == {"year": 2024, "gdp_death_rate": 0.012, "vehicle_death_rate": 1.5,
                               "fire_death_rate": 0.05, "industrial_death_rate": 1.666667,
                               "special_equipment_death_rate": 0.083333}
    assert out["trend"] == {"gdp_death_rate": "pass", "vehicle_death_rate": "fail", "fire_death_rate": "fail",
                            "industrial_death_rate": "fail", "special_equipment_death_rate": "fail"}


def test_indicators_with_one_year_is_insufficient_data() -> None:
    result = runner.invoke(app, ["indicators"], input=years(YEAR))
    assert json.loads(result.stdout)["trend"] == dict.fromkeys(RATE_NAMES, "insufficient_data")


def test_indicators_all_zero_policy_option() -> None:
    zero = YEAR | {"special_equipment_deaths": 0}
    stdin = years(zero | {"year": 2022}, zero | {"year": 2023}, zero)
    passed = runner.invoke(app, ["indicators"], input=stdin)
    failed = runner.invoke(app, ["indicators", "--all-zero", "fail"], input=stdin)
    assert json.loads(passed.stdout)["trend"]["special_equipment_death_rate"] == "pass"
    assert json.loads(failed.stdout)["trend"]["special_equipment_death_rate"] == "fail"
    one_line_error(runner.invoke(app, ["indicators", "--all-zero", "maybe"], input=stdin), "--all-zero")


@pytest.mark.parametrize(("stdin", "expected"), [
    ("{not json", ("stdin: not JSON", "不是有效的 JSON")),
    ("", ("stdin: not JSON",)),
    (json.dumps({"year": []}), ('expected a JSON object {"years": [...]}',)),
    (years({k: v for k, v in YEAR.items() if k != "fire_deaths"}), ("years[2024].fire_deaths: missing",
                                                                     "2024年缺少 fire_deaths")),
    (years(YEAR | {"residents": 0}), ("years[2024].residents: is 0", "常住人口为 0，无法计算火灾十万人口死亡率")),
    (years(YEAR | {"gdp_yi": "3.2%"}), ("years[2024].gdp_yi: '3.2%' is written as a percentage", "百分数")),
    (years(YEAR | {"vehicles": "200万辆"}), ("years[2024].vehicles: '200万辆' carries a unit",)),
])
def test_indicators_bad_input_exits_2_with_one_line(stdin: str, expected: tuple[str, ...]) -> None:
    one_line_error(runner.invoke(app, ["indicators"], input=stdin), *expected)


def test_score_a_criteria_file_and_findings(tmp_path: Path) -> None:
    criteria = tmp_path / "criteria.json"
    criteria.write_text(json.dumps(small(), ensure_ascii=False), encoding="utf-8")
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps({"items": {"1.1.1": {"findings": {"a": 2}},
                                              "2.2.4": {"not_applicable": "本市无危化品企业"}}}), encoding="utf-8")
    result = runner.invoke(app, ["score", str(criteria), str(findings)])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["criteria"]["id"] == "small" and out["criteria"]["version"] == "t1"
    assert (out["earned"], out["applicable_points"], out["base"], out["total"]) == (5.0, 6.0, 8.33, 8.33)
    assert out["items"][0]["text_zh"].endswith("得1分")


def test_score_a_shipped_set_from_stdin() -> None:
    result = runner.invoke(app, ["score", "national-2019", "-"], input='{"items": {"1.1.3": {"findings": {"a": 2}}}}')
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 99.6


def test_score_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = small()
    broken["items"][0]["children"][0]["children"][0]["points"] = 3
    criteria = tmp_path / "criteria.json"
    criteria.write_text(json.dumps(broken), encoding="utf-8")
    one_line_error(runner.invoke(app, ["score", str(criteria), "-"], input="{}"), "1 › 1.1: sub-items add up to 7")
    one_line_error(runner.invoke(app, ["score", str(tmp_path / "none.json"), "-"], input="{}"), "cannot read criteria")
    one_line_error(runner.invoke(app, ["score", "national-2019", "-"], input='{"items": {"1.1.1": {"deduction": 5,'
                                       ' "reason": "x"}}}'), "1 › 1.1 › 1.1.1: deduction 5 is more than the item's 2")
    one_line_error(runner.invoke(app, ["score", "national-2019", "-"], input="[1"), "findings: not JSON")


def test_the_installed_command_has_the_evaluation_group() -> None:
    env = os.environ | {"CITYSAFE_DATABASE_URL": ""}
    done = subprocess.run([sys.executable, "-m", "citysafe", "evaluation", "indicators"],
                          input=years(YEAR | {"gdp_yi": 0}), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: years[2024].gdp_yi: is 0, gdp_death_rate cannot be computed"
        " / 2024年 地区生产总值（亿元）为 0，无法计算亿元GDP生产安全事故死亡率"]
