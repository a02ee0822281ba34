"""Reference cases from the risk-methods spec, one folder each under cases/ (see each README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from citysafe.risk.calc.registry import assess

CASES = Path(__file__).parent / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())


def _runs() -> list[Any]:
    out = []
    for folder in CASE_DIRS:
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        for run in expected["runs"]:
            out.append(pytest.param(folder, run, id=f"{folder.name}[{run['preset'] or '-'}]"))
    return out


def test_every_case_folder_is_complete() -> None:
    assert len(CASE_DIRS) >= 19
    for folder in CASE_DIRS:
        assert {"input.json", "expected.json", "README.md"} <= {p.name for p in folder.iterdir()}, folder
        assert "Source" in (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("folder", "run"), _runs())
def test_reference_case(folder: Path, run: dict[str, Any]) -> None:
    given = json.loads((folder / "input.json").read_text(encoding="utf-8"))
    params = dict(given["params"])
    if run["preset"] is not None:
        params["preset"] = run["preset"]
    record = assess(given["method"], params).to_record()
    assert record["method"] == given["method"]
    assert record["preset"] == run["preset"]
    for key, want in run["expect"].items():
        got = record["result"][key]
        if isinstance(want, float | int) and not isinstance(want, bool):
            assert got == pytest.approx(want, abs=1e-12), key
        else:
            assert got == want, key
    if "level" in run["expect"]:
        assert record["level"] == run["expect"]["level"]
