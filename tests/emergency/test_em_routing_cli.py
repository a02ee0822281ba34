"""`citysafe roads import FILE`: a good OSM file goes into service and is printed; a malformed or empty file exits
2 with one line naming the file and what is wrong, and the network in service stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.emergency.routing_samples import DATA, STREETS
from typer.testing import CliRunner

from citysafe.cli import app
from citysafe.core.config import Settings
from citysafe.core.migrate import upgrade
from citysafe.registry import new_context


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'roads.db'}"
    monkeypatch.setenv("CITYSAFE_DATABASE_URL", url)
    upgrade(new_context(Settings(database_url=url)).engine)
    return url


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_then_a_bad_file_keeps_it(database: str) -> None:
    code, out, _ = _run("roads", "import", str(STREETS))
    assert code == 0, out
    imported = json.loads(out)
    assert (imported["source_name"], imported["nodes"], imported["edges"]) == ("streets.osm", 7, 14)
    for bad, words in (("malformed.osm", "XML parsing error"), ("empty.osm", "the file is empty")):
        code, out, err = _run("roads", "import", str(DATA / bad))
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and bad in err and words in err and "仍使用原路网" in err
    code, out, _ = _run("roads", "show")
    shown = json.loads(out)
    assert shown["method"] == "road_network" and shown["network"]["id"] == imported["id"]


def test_bad_options_exit_2_with_one_line(database: str) -> None:
    code, _, err = _run("roads", "import", str(STREETS), "--crs", "bd09")
    assert code == 2 and "--crs must be wgs84 or gcj02" in err
    code, _, err = _run("roads", "import", str(DATA / "missing.osm"))
    assert code == 2 and "missing.osm" in err and len(err.strip().splitlines()) == 1
