"""Hostile workbooks given to the fire-registry import (issue #10, finding 3): the API answers a 4xx
problem naming the file field, the CLI one line and exit 2 — before, a non-workbook was a 200 report, a
corrupt one a 500, and a bomb was parsed in the server to the end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.conftest import UserFactory
from tests.support import workbooks

from citysafe.core.context import AppContext

API = "/api/v1/firewatch"
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "bomb": (lambda: workbooks.bomb(20_000_000), "过大"),
    "whole-grid": (lambda: workbooks.huge_dimension(), "1048576 行"),
    "not-a-zip": (lambda: workbooks.NOT_A_ZIP, "不是有效的 Excel"),
    "corrupt": (lambda: workbooks.corrupt(workbooks.many_rows(5000)), "已损坏"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_registry_workbook_is_a_problem_naming_the_file(client: TestClient, make_user: UserFactory,
                                                                kind: str) -> None:
    build, says = HOSTILE[kind]
    response = client.post(f"{API}/registry/import", headers=make_user("city_office", "320100"),
                           files={"file": ("r.xlsx", build())})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert says in response.json()["detail_zh"]


def test_registry_upload_over_the_limit_is_413(client: TestClient, ctx: AppContext, make_user: UserFactory) -> None:
    ctx.settings = ctx.settings.model_copy(update={"upload_max_bytes": 1000})
    response = client.post(f"{API}/registry/import", headers=make_user("city_office", "320100"),
                           files={"file": ("r.xlsx", workbooks.huge_dimension())})
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "file"


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": ""} | env
    return subprocess.run([sys.executable, "-m", "citysafe", *args], capture_output=True, text=True,
                          env=environment, timeout=300)


def test_cli_imports_refuse_hostile_workbooks_in_one_line(tmp_path: Path) -> None:
    assert _cli(["db", "upgrade"], tmp_path).returncode == 0
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(workbooks.bomb(20_000_000))
    for args in (["firewatch", "import", str(bomb)], ["risk", "import", str(bomb), "--region", "320100"]):
        refused = _cli(args, tmp_path)
        assert refused.returncode == 2, refused.stderr
        [line] = refused.stderr.strip().splitlines()
        assert "zip bomb" in line and "压缩炸弹" in line and "Traceback" not in refused.stderr
    large = _cli(["firewatch", "import", str(bomb)], tmp_path, CITYSAFE_UPLOAD_MAX_BYTES="1000")
    assert large.returncode == 2 and "larger than" in large.stderr and "上限" in large.stderr
