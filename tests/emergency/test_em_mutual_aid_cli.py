"""`citysafe aid export|import`: 苏州's catalogue written to a file, imported by 南京's office; a bad document
exits 2 with one line naming the JSON path, and nothing is imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citysafe.auth import service as auth_service
from citysafe.auth.schemas import UserCreate
from citysafe.cli import app
from citysafe.core.config import Settings
from citysafe.core.db import unit_of_work
from citysafe.core.geo import Location
from citysafe.core.migrate import upgrade
from citysafe.emergency.resources import service as resources
from citysafe.emergency.resources.schemas import TeamCreate, TeamKind
from citysafe.regions import service as regions_service
from citysafe.registry import new_context


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'aid.db'}"
    monkeypatch.setenv("CITYSAFE_DATABASE_URL", url)
    ctx = new_context(Settings(database_url=url))
    upgrade(ctx.engine)
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        regions_service.import_packaged_jiangsu(session)
        for username, region in (("suzhou", "320500"), ("nanjing", "320100")):
            auth_service.create_user(session, user_in=UserCreate(
                username=username, password="correct-horse", role="city_office", region_code=region))
        resources.create_team(session, now=ctx.clock.now(), data=TeamCreate(
            name="姑苏区平江消防救援站", kind=TeamKind.FIRE_STATION, region_code="320508",
            location=Location(lon=120.63, lat=31.32)))
    return url


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_export_then_import_and_a_bad_file_imports_nothing(database: str, tmp_path: Path) -> None:
    file = tmp_path / "suzhou.json"
    code, out, err = _run("aid", "export", str(file), "--as", "suzhou")
    assert code == 0, err
    assert json.loads(out)["teams"] == 1
    document = json.loads(file.read_text(encoding="utf-8"))
    assert document["teams"][0]["name"] == "姑苏区平江消防救援站"

    document["teams"][0]["location"]["lat"] = 95
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    code, out, err = _run("aid", "import", str(bad), "--as", "nanjing")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "$.teams[0].location.lat" in err and "未导入" in err

    code, out, err = _run("aid", "import", str(file), "--as", "nanjing")
    assert code == 0, err
    assert (json.loads(out)["publisher_id"], json.loads(out)["teams"]) == ("320500", 1)
    code, _, err = _run("aid", "import", str(tmp_path / "absent.json"), "--as", "nanjing")
    assert code == 2 and "cannot read" in err
