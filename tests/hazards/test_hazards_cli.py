"""`citysafe hazards …` as a user runs it: a real process on a real embedded database; bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CITYSAFE = [sys.executable, "-m", "citysafe"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYSAFE, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {"CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": ""}


def test_seed_sweep_rebuild(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    seeded = run(["hazards", "seed-checklists", "--region", "320102"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout) == {"owner_region_code": "320102", "added": 6}
    assert json.loads(run(["hazards", "seed-checklists", "--region", "320102"], env).stdout)["added"] == 0
    assert json.loads(run(["hazards", "sweep"], env).stdout) == {"announced": 0}
    assert json.loads(run(["hazards", "rebuild-stats"], env).stdout) == {"tally_rows": 0, "tickets": 0}
    rules = json.loads(run(["hazards", "permit-rules"], env).stdout)
    assert rules["types"]["confined_space"]["gas_test"] is True


@pytest.mark.parametrize(("args", "extra_env", "message"), [
    (["hazards", "seed-checklists", "--region", "12ab"], {}, "division code"),
    (["hazards", "standards"], {"CITYSAFE_HAZARD_STANDARDS_FILE": "/nonexistent/standards.json"}, "standards"),
])
def test_bad_input_exits_2_with_one_line(env: dict[str, str], args: list[str], extra_env: dict[str, str],
                                          message: str) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    result = run(args, env | extra_env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
