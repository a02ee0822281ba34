"""`citysafe firewatch …` as a user runs it, and the migration matching the firewatch models."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from openpyxl import load_workbook

from citysafe.core.context import AppContext
from citysafe.registry import load_models

CITYSAFE = [sys.executable, "-m", "citysafe"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYSAFE, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {"CITYSAFE_DATA_DIR": str(tmp_path), "CITYSAFE_DATABASE_URL": ""}


def test_template_import_bind_prune_tick(env: dict[str, str], tmp_path: Path) -> None:
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["regions", "load-jiangsu"], env).returncode == 0
    template = tmp_path / "registry.xlsx"
    written = run(["firewatch", "template", str(template)], env)
    assert written.returncode == 0, written.stderr
    book = load_workbook(template)
    book["联网单位"].append(["南京雨花台示范商场", None, "320114", "雨花大道1号", 118.77, 31.99, "gcj02", "陈芳",
                         "13600000000", None])
    book["传输装置"].append(["100777", "南京雨花台示范商场", "", "", ""])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    dry = run(["firewatch", "import", str(filled), "--dry-run"], env)
    assert dry.returncode == 0 and json.loads(dry.stdout)["applied"] is False, dry.stderr
    done = run(["firewatch", "import", str(filled)], env)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["applied"] and report["counts"]["uitds"] == 1
    # again: the unit is known by its name and reused, the UITD is already registered: reported, nothing kept
    again = run(["firewatch", "import", str(filled)], env)
    [problem] = json.loads(again.stdout)["errors"]
    assert again.returncode == 2 and problem["sheet"] == "传输装置"
    assert problem["message_zh"] == "传输装置 100777 已登记"
    missing = run(["firewatch", "import", str(tmp_path / "nope.xlsx")], env)
    assert missing.returncode == 2 and missing.stderr.startswith("error:") and "Traceback" not in missing.stderr
    unknown = run(["firewatch", "bind", "999999", "--unit", "1"], env)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    pruned = run(["firewatch", "prune", "--days", "400"], env)
    assert pruned.returncode == 0 and json.loads(pruned.stdout)["kept_days"] == 400
    ticked = run(["firewatch", "tick"], env)
    assert ticked.returncode == 0 and json.loads(ticked.stdout)["offline"] == []


def test_migration_matches_the_firewatch_models(ctx: AppContext) -> None:
    metadata = load_models().metadata
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)

    def table_of(diff: Any) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else part
            table = getattr(part, "table", None)
            if table is not None:
                return str(table.name)
            if isinstance(name, str) and name.startswith("fw_"):
                return name
        return ""

    ours = [d for d in diffs if table_of(d).startswith("fw_")]
    assert ours == [], ours


def test_template_lists_the_type_codes() -> None:
    from citysafe.firewatch.registry.excel import template

    guide = load_workbook(io.BytesIO(template()))["填写说明"]
    text = "\n".join(str(row[0].value or "") for row in guide.iter_rows())
    assert "火灾报警系统" in text and "hydrant_pressure" in text and "点型光电感烟火灾探测器" in text


def test_demo_seed_follows_the_address_scheme(ctx: AppContext) -> None:
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from citysafe.core.db import unit_of_work
    from citysafe.demo import city as demo_city
    from citysafe.demo import firewatch as demo
    from citysafe.firewatch import service
    from citysafe.firewatch.registry.models import Component, IotDevice, Uitd

    with unit_of_work(ctx.session_factory, actor="demo") as session:
        demo_city.seed_organizations(session, random.Random(2020))
        demo.seed_demo(session, random.Random(2020))
    with ctx.session_factory() as session:
        addresses = sorted(session.execute(select(Uitd.address).where(Uitd.registered.is_(True))).scalars())
        assert addresses == [demo.uitd_address(n) for n in range(1, demo.UNITS + 1)]
        assert session.execute(select(Component).where(Component.component_address == 0x00020008)).scalars().first()
        assert len(session.execute(select(IotDevice.id).where(IotDevice.registered.is_(True))).all()) == 31
        alarms = service.open_alarms(session)
        assert {a.kind for a in alarms} == {"fire", "fault", "supervisory"} and len(alarms) == 4
        assert len(service.open_alarms(session, region="320000", kinds={"fire"})) == 2
        counts = service.alarm_counts_by_organization(session, since=datetime.now(UTC) - timedelta(days=1))
        assert sum(counts.values()) == 4  # the unregistered device's alarm has no organisation
