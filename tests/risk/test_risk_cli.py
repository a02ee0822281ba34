"""`citysafe risk …` as users script it: exact JSON keys, exit 2 with one line for bad input.

The spec's reference cases (tests/risk/calc/cases) are run through the command too, so the CLI can never
drift from the calculators it wraps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from risk_helpers import FUZIMIAO, LIUHE_PARK, XUANWU_LAKE, SourceFactory, lec, matrix
from typer.testing import CliRunner

from citysafe.commands.risk import app
from citysafe.core.context import AppContext

CASES = Path(__file__).parent / "calc" / "cases"
runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _case_runs(method: str) -> list[Any]:
    runs = []
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        given = json.loads((folder / "input.json").read_text(encoding="utf-8"))
        if given["method"] != method:
            continue
        for run in json.loads((folder / "expected.json").read_text(encoding="utf-8"))["runs"]:
            runs.append(pytest.param(given["params"], run, id=f"{folder.name}[{run['preset'] or '-'}]"))
    return runs


@pytest.mark.parametrize(("params", "run"), _case_runs("lec"))
def test_lec_reference_cases(params: dict[str, Any], run: dict[str, Any]) -> None:
    result = invoke("lec", "--l", str(params["l"]), "--e", str(params["e"]), "--c", str(params["c"]),
                    "--preset", run["preset"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"d", "level", "preset"}
    assert out["d"] == pytest.approx(run["expect"]["d"]) and out["level"] == run["expect"]["level"]
    assert out["preset"] == run["preset"]


@pytest.mark.parametrize(("params", "run"), _case_runs("gb18218"))
def test_gb18218_reference_cases(params: dict[str, Any], run: dict[str, Any]) -> None:
    args = ["gb18218"]
    for holding in params["holdings"]:
        args += ["--substance", f"{holding['substance']}={holding['quantity_t']}"]
    args += ["--residents", str(params.get("population") or 0)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"s", "major_hazard", "alpha", "r", "grade"}
    expect = run["expect"]
    assert out["s"] == pytest.approx(expect["s"]) and out["major_hazard"] is expect["is_major"]
    if "grade" in expect:
        assert out["grade"] == expect["grade"]
    if "r" in expect:
        assert out["r"] == (pytest.approx(expect["r"]) if expect["r"] is not None else None)
    if "alpha" in expect:
        assert out["alpha"] == pytest.approx(expect["alpha"])
    if not out["major_hazard"]:
        assert out["grade"] is None and out["r"] is None


def test_gb18218_aliases_mixtures_and_population_bands() -> None:
    natural_gas = json.loads(invoke("gb18218", "--substance", "天然气=60", "--residents", "50").stdout)
    assert natural_gas == {"s": 1.2, "major_hazard": True, "alpha": 1.5, "r": 2.7, "grade": 4}  # 1.5×1.5×1.2
    mixture = json.loads(invoke("gb18218", "--substance", "液氯=2.5", "--substance", "液氨=5",
                                "--residents", "30").stdout)
    assert mixture["s"] == 1.0 and mixture["major_hazard"] is True and mixture["alpha"] == 1.2
    below = json.loads(invoke("gb18218", "--substance", "氯=1", "--residents", "200").stdout)
    assert below == {"s": 0.2, "major_hazard": False, "alpha": 2.0, "r": None, "grade": None}


def test_matrix_command() -> None:
    assert json.loads(invoke("matrix", "--l", "2", "--s", "4", "--preset", "M1").stdout) == {
        "r": 8, "level": "yellow", "preset": "M1"}
    assert json.loads(invoke("matrix", "--l", "2", "--s", "4", "--preset", "M2").stdout)["level"] == "blue"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "citysafe", "risk", *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.mark.parametrize(("args", "says"), [
    (["lec", "--l", "7", "--e", "6", "--c", "3"], "L must be one of"),
    (["lec", "--l", "6", "--e", "6", "--c", "3", "--preset", "C"], "unknown LEC preset 'C'"),
    (["lec", "--l", "six", "--e", "6", "--c", "3"], "--l must be a number"),
    (["lec", "--e", "6", "--c", "3"], "missing --l"),
    (["gb18218", "--substance", "水=5", "--residents", "10"], "not in GB 18218-2018 Table 1"),
    (["gb18218", "--substance", "甲醇=600", "--residents", "10"], "no β for 甲醇"),
    (["gb18218", "--substance", "氯=6", "--residents", "-3"], "non-negative"),
    (["gb18218", "--substance", "氯", "--residents", "3"], "expected NAME=TONNES"),
    (["gb18218", "--residents", "3"], "--substance"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], says: str) -> None:
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and lines[0].startswith("error: ")


def test_a_real_process_prints_exactly_the_contract() -> None:
    result = run("lec", "--l", "6", "--e", "6", "--c", "7", "--preset", "A")
    assert result.returncode == 0 and json.loads(result.stdout) == {"d": 252.0, "level": "orange", "preset": "A"}
    graded = run("gb18218", "--substance", "氯=250", "--residents", "100")
    assert json.loads(graded.stdout) == {"s": 50.0, "major_hazard": True, "alpha": 2.0, "r": 400.0, "grade": 1}


def test_template_command_writes_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    result = invoke("template", "--out", str(out))
    assert result.exit_code == 0 and out.read_bytes()[:2] == b"PK"


@pytest.fixture
def backend() -> str:
    # One real process against the embedded database is enough for the file-writing commands.
    return "sqlite"


def test_whitepaper_command_writes_html_pdf_and_docx(ctx: AppContext, client: TestClient, add_source: SourceFactory,
                                                     tmp_path: Path) -> None:
    add_source(name="液氯储罐区", at=LIUHE_PARK, assessment=lec(3, 10, 15))
    add_source(name="九小场所", kind="small_venue", at=FUZIMIAO, assessment=matrix(3, 3))
    add_source(name="玄武湖隧道", kind="tunnel", at=XUANWU_LAKE, assessment=matrix(4, 3))
    env = os.environ | {"CITYSAFE_DATABASE_URL": ctx.settings.database_url, "CITYSAFE_DATA_DIR": str(tmp_path)}
    result = run("whitepaper", "--region", "320100", "--year", "2026", "--out", str(tmp_path / "wp"), env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out["files"]) == {"html", "pdf", "docx"}
    for path in out["files"].values():
        assert Path(path).stat().st_size > 10_000
    assert out["summary"]["total"] == 3 and out["summary"]["by_level"]["red"] == 1
    assert (tmp_path / "wp" / "images" / "figure-01.png").exists()
    missing = run("whitepaper", "--region", "320400", "--year", "2026", "--out", str(tmp_path / "x"), env=env)
    assert missing.returncode == 2 and "尚未登记风险源" not in missing.stderr  # English one-liner on the CLI
    assert "no risk sources are registered" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_import_command_reports_and_refuses_a_bad_file(ctx: AppContext, tmp_path: Path) -> None:
    env = os.environ | {"CITYSAFE_DATABASE_URL": ctx.settings.database_url, "CITYSAFE_DATA_DIR": str(tmp_path)}
    bad = tmp_path / "bad.csv"
    bad.write_text("名称*,风险类型*,经度,纬度,责任单位*\n好的,九小场所,118.78,32.04,王某\n缺类型,,118.78,32.04,李某\n",
                   encoding="utf-8")
    refused = run("import", str(bad), "--region", "320100", env=env)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "row 3 kind" in refused.stderr and json.loads(refused.stdout)["errors"][0]["row"] == 3
    good = tmp_path / "good.csv"
    good.write_text("名称*,风险类型*,经度,纬度,责任单位*,评估方法,可能性等级,严重性等级\n"
                    "好的,九小场所,118.78,32.04,王某,风险矩阵,2,2\n", encoding="utf-8")
    imported = run("import", str(good), "--region", "320100", env=env)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["created"] == 1 and json.loads(imported.stdout)["assessed"] == 1
    far = tmp_path / "far.csv"
    far.write_text("名称*,风险类型*,经度,纬度,责任单位*\n化工园,危化品企业,118.845,32.255,某公司\n", encoding="utf-8")
    outside = run("import", str(far), "--region", "320102", env=env)  # the point lies in 六合区, not 玄武区
    assert outside.returncode == 2 and "row 2 lon: no county of your region contains" in outside.stderr
