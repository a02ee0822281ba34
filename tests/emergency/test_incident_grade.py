"""The accident grade of 国务院令第493号 第三条: the spec's boundary table, Hypothesis properties and the CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citysafe.cli import app
from citysafe.emergency.calc.grade import Casualties, GradeTable, ReportWindow, grade
from citysafe.emergency.rules import rules

TABLE = rules(None).grades
NAMES = [level.name for level in TABLE.levels]  # most severe first
runner = CliRunner()

# The spec's table (emergency.md §1.2): each threshold reached at the number itself (以上包括本数),
# one below it falls to the next grade (以下不包括本数); any one dimension decides.
BOUNDARIES = [
    # deaths, serious injuries, loss (元), grade, deciding dimension
    (30, 0, 0, "特别重大", "deaths"), (29, 0, 0, "重大", "deaths"),
    (10, 0, 0, "重大", "deaths"), (9, 0, 0, "较大", "deaths"),
    (3, 0, 0, "较大", "deaths"), (2, 0, 0, "一般", None), (0, 0, 0, "一般", None),
    (0, 100, 0, "特别重大", "serious_injuries"), (0, 99, 0, "重大", "serious_injuries"),
    (0, 50, 0, "重大", "serious_injuries"), (0, 49, 0, "较大", "serious_injuries"),
    (0, 10, 0, "较大", "serious_injuries"), (0, 9, 0, "一般", None),
    (0, 0, 100_000_000, "特别重大", "loss_yuan"), (0, 0, 99_999_999, "重大", "loss_yuan"),
    (0, 0, 50_000_000, "重大", "loss_yuan"), (0, 0, 49_999_999, "较大", "loss_yuan"),
    (0, 0, 10_000_000, "较大", "loss_yuan"), (0, 0, 9_999_999, "一般", None),
    # the most severe dimension wins
    (2, 9, 100_000_000, "特别重大", "loss_yuan"), (3, 60, 0, "重大", "serious_injuries"),
    (12, 12, 12_000_000, "重大", "deaths"),
]


@pytest.mark.parametrize(("deaths", "injuries", "loss", "name", "decided_by"), BOUNDARIES)
def test_boundary_table(deaths: int, injuries: int, loss: int, name: str, decided_by: str | None) -> None:
    result = grade(Casualties(deaths=deaths, serious_injuries=injuries, loss_yuan=loss), TABLE)
    assert result.grade.name == name
    assert result.decided_by == decided_by
    if decided_by is not None:
        assert result.value == {"deaths": deaths, "serious_injuries": injuries, "loss_yuan": loss}[decided_by]
        assert result.threshold is not None and result.value >= result.threshold


def test_missing_persons_are_shown_beside_deaths_not_counted() -> None:
    result = grade(Casualties(deaths=2, missing=5), TABLE)
    assert result.grade.name == "一般" and result.missing == 5
    assert result.as_dict()["missing"] == 5


@pytest.mark.parametrize("bad", [{"deaths": -1}, {"serious_injuries": -3}, {"loss_yuan": -1}, {"deaths": 1.5},
                                 {"missing": True}])
def test_negative_or_fractional_casualties_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"whole number|negative"):
        Casualties(**bad)  # type: ignore[arg-type]


counts = st.integers(min_value=0, max_value=500)
losses = st.integers(min_value=0, max_value=300_000_000)


@given(counts, counts, losses, st.sampled_from(["deaths", "serious_injuries", "loss_yuan"]),
       st.integers(min_value=1, max_value=100_000_000))
def test_grade_never_falls_when_any_dimension_grows(d: int, i: int, loss: int, dim: str, more: int) -> None:
    before = Casualties(deaths=d, serious_injuries=i, loss_yuan=loss)
    after = Casualties(**{**before.__dict__, dim: getattr(before, dim) + more})
    assert TABLE.rank(grade(after, TABLE).grade.code) <= TABLE.rank(grade(before, TABLE).grade.code)


@given(counts, counts, losses)
def test_grade_is_the_most_severe_dimension(d: int, i: int, loss: int) -> None:
    alone = [grade(Casualties(deaths=d), TABLE), grade(Casualties(serious_injuries=i), TABLE),
             grade(Casualties(loss_yuan=loss), TABLE)]
    together = grade(Casualties(deaths=d, serious_injuries=i, loss_yuan=loss), TABLE)
    assert TABLE.rank(together.grade.code) == min(TABLE.rank(g.grade.code) for g in alone)


@given(st.sampled_from(TABLE.levels[:-1]), st.sampled_from(["deaths", "serious_injuries", "loss_yuan"]))
def test_each_threshold_is_inclusive_and_one_less_is_the_next_grade(level: object, dim: str) -> None:
    threshold = level.threshold(dim)  # type: ignore[attr-defined]
    at = grade(Casualties(**{dim: threshold}), TABLE)
    below = grade(Casualties(**{dim: threshold - 1}), TABLE)
    assert at.grade == level and at.decided_by == dim and at.threshold == threshold
    assert TABLE.rank(below.grade.code) == TABLE.rank(at.grade.code) + 1


def test_a_table_whose_thresholds_cross_is_refused() -> None:
    with pytest.raises(ValueError, match="lower deaths threshold"):
        GradeTable.from_dict({"levels": [
            {"code": "a", "name": "甲", "deaths": 3, "serious_injuries": 10, "loss_yuan": 1},
            {"code": "b", "name": "乙", "deaths": 10, "serious_injuries": 0, "loss_yuan": 0}]})


def test_report_window_is_thirty_days_and_seven_for_road_traffic_and_fire() -> None:
    window = rules(None).windows
    assert window.days("collapse") == 30 and window.days("fire") == 7 and window.days("road_traffic") == 7
    assert "第十三条" in window.rule
    with pytest.raises(ValueError, match="positive"):
        ReportWindow.from_dict({"default_days": 0})


def test_every_threshold_cites_its_article() -> None:
    data = rules(None).raw
    assert "第三条" in data["grades"]["rule"] and "493" in data["grades"]["rule"]
    assert [lvl["name"] for lvl in data["grades"]["levels"]] == ["特别重大", "重大", "较大", "一般"]
    for category in data["categories"]["items"]:
        assert category["subtypes_rule"] and category["subtypes"]


# --- the command -----------------------------------------------------------------------------------------

def invoke(*args: str) -> object:
    return runner.invoke(app, ["incident", "grade", *args])


@pytest.mark.parametrize(("deaths", "injuries", "loss", "name", "decided_by"), BOUNDARIES)
def test_cli_prints_one_json_object(deaths: int, injuries: int, loss: int, name: str, decided_by: str | None) -> None:
    result = invoke("--deaths", str(deaths), "--injuries", str(injuries), "--loss-yuan", str(loss))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert out["grade"] == name and out["decided_by"] == decided_by
    assert {"grade", "grade_code", "decided_by", "threshold", "value", "missing", "rule"} <= set(out)


def test_cli_names_the_threshold_and_keeps_missing_apart() -> None:
    out = json.loads(invoke("--deaths", "3", "--injuries", "0", "--loss-yuan", "0", "--missing", "4").stdout)  # type: ignore[attr-defined]
    assert out == out | {"grade": "较大", "decided_by": "deaths", "threshold": 3, "value": 3, "missing": 4}


@pytest.mark.parametrize(("args", "says"), [
    (["--deaths", "-1", "--injuries", "0", "--loss-yuan", "0"], "negative"),
    (["--deaths", "1.5", "--injuries", "0", "--loss-yuan", "0"], "whole number"),
    (["--deaths", "three", "--injuries", "0", "--loss-yuan", "0"], "whole number"),
    (["--deaths", "0", "--injuries", "0", "--loss-yuan", "5000万"], "yuan"),
    (["--deaths", "0", "--injuries", "0", "--loss-yuan", "-5"], "negative"),
    (["--deaths", "0", "--injuries", "0"], "missing --loss-yuan"),
])
def test_cli_bad_input_exits_2_with_one_line(args: list[str], says: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    err = result.stderr.strip()  # type: ignore[attr-defined]
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in result.output  # type: ignore[attr-defined]


def test_the_installed_command(tmp_path: object) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "citysafe", "incident", "grade", "--deaths", "12", "--injuries", "3",
                           "--loss-yuan", "0"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["grade"] == "重大"
    bad = subprocess.run([sys.executable, "-m", "citysafe", "incident", "grade", "--deaths", "x", "--injuries", "0",
                          "--loss-yuan", "0"], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
