"""`citysafe reward compute` as users script it: one JSON object with ``yuan`` and the rule applied; the reference
cases run through the command too; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citysafe.cli import app

CASES = json.loads((Path(__file__).parent / "cases" / "cases.json").read_text(encoding="utf-8"))
runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["reward", "compute", *args])


def _args(case: dict[str, Any]) -> list[str]:
    args = ["--kind", case["kind"], "--rules", case["rules"]]
    for key, option in (("fine_yuan", "--fine-yuan"), ("grade", "--grade"), ("deaths", "--deaths"),
                        ("amount_yuan", "--amount-yuan")):
        if key in case:
            args += [option, str(case[key])]
    return args


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reference_cases_through_the_command(case: dict[str, Any]) -> None:
    result = invoke(*_args(case))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["yuan"] == float(case["yuan"])
    assert out["rule"]["name"] == case["rules"]


def test_violation_prints_the_amount_and_the_rule_applied() -> None:
    result = invoke("--kind", "violation", "--fine-yuan", "100000")
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1  # one JSON object on one line
    out = json.loads(result.stdout)
    assert out["yuan"] == 15000 and isinstance(out["yuan"], int)
    assert out["rule"]["name"] == "national-2018" and "安监总财〔2018〕19号" in out["rule"]["document"]
    assert out["rule"]["jurisdiction"] is None and out["limited_by"] is None


def test_concealed_accident_with_a_chinese_grade_and_a_local_schedule() -> None:
    national = json.loads(invoke("--kind", "concealed_accident", "--grade", "major", "--deaths", "8").stdout)
    local = json.loads(invoke("--kind", "concealed_accident", "--grade", "重大", "--deaths", "8",
                              "--rules", "taizhou-2020").stdout)
    assert (national["yuan"], national["limited_by"]) == (300000, "max")
    assert (local["yuan"], local["rule"]["jurisdiction"]) == (400000, "321200")


@pytest.mark.parametrize(("args", "message"), [
    ((), "give --kind"),
    (("--kind", "violation"), "--fine-yuan is required"),
    (("--kind", "violation", "--fine-yuan", "abc"), "--fine-yuan must be a number"),
    (("--kind", "violation", "--fine-yuan", "-5"), "between 0 and"),
    (("--kind", "violation", "--fine-yuan", "inf"), "between 0 and"),
    (("--kind", "violation", "--fine-yuan", "100", "--grade", "major"), "--grade does not apply"),
    (("--kind", "concealed_accident", "--grade", "huge", "--deaths", "1"), "unknown grade"),
    (("--kind", "concealed_accident", "--grade", "major", "--deaths", "2.5"), "--deaths must be a whole number"),
    (("--kind", "concealed_accident", "--grade", "major", "--deaths", "-1"), "deaths must be a whole number"),
    (("--kind", "concealed_accident", "--deaths", "1"), "grade is required"),
    (("--kind", "bribery", "--fine-yuan", "1"), "no schedule for kind 'bribery'"),
    (("--kind", "violation", "--fine-yuan", "1", "--rules", "mars-2099"), "no reward rule 'mars-2099'"),
    (("--kind", "concealed_accident", "--grade", "extraordinary", "--deaths", "1", "--rules", "taizhou-2020"),
     "no amount for a extraordinary"),
    (("--kind", "hazard", "--amount-yuan", "5000", "--rules", "taizhou-2020"), "between 500 and 2,000"),
])
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
