"""``citysafe db backup`` / ``restore`` / ``check`` (issue #16 point 5), on both databases, as an operator runs them:
a city with accounts, an organisation, an incident with its hash-chained timeline and the audit log is backed
up while it runs, restored into a new empty database, and the two checks agree — every table's rows, the audit
log's entries and digest — and every timeline's chain verifies. A restore over a database that holds data, or
of a file that is not a backup, is refused in one line with exit 2 and changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from tests.conftest import POSTGRES_ADMIN_URL, UserFactory

from citysafe.core.context import AppContext

CITYSAFE = [sys.executable, "-m", "citysafe"]
EM = "/api/v1/emergency"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYSAFE, *args], capture_output=True, text=True, env=env, timeout=300)


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return os.environ | {"CITYSAFE_DATA_DIR": str(data_dir), "CITYSAFE_DATABASE_URL": url,
                         "CITYSAFE_SECRET_KEY": "test-secret"}


def _url(ctx: AppContext) -> str:
    return ctx.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def empty_database(ctx: AppContext, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the same kind as ``ctx``'s."""
    if ctx.engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'citysafe.db'}"
        return
    name = f"citysafe_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield ctx.engine.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _city(client: TestClient, make_user: UserFactory) -> None:
    duty = make_user("department", "320102", display_name="玄武区应急局值班员")
    office = make_user("city_office", "320100")
    created = client.post("/api/v1/organizations", headers=office,
                          json={"name": "南京示例化工有限公司", "kind": "enterprise", "region_code": "320102"})
    assert created.status_code == 201, created.text
    incident = client.post(f"{EM}/incidents", headers=duty, json={
        "category": "accident", "subtype": "fire", "description": "仓库起火", "place": "玄武区某仓库"})
    assert incident.status_code == 201, incident.text
    note = client.post(f"{EM}/incidents/{incident.json()['id']}/timeline", headers=duty,
                       json={"text": "消防救援站已出动"})
    assert note.status_code in (200, 201), note.text


def test_a_backup_restored_into_a_new_database_holds_the_same_city(
        client: TestClient, ctx: AppContext, make_user: UserFactory, empty_database: str, tmp_path: Path) -> None:
    _city(client, make_user)
    live = _env(_url(ctx), tmp_path)
    saved = run(["db", "backup", str(tmp_path / "city.backup")], live)
    assert saved.returncode == 0, saved.stderr
    made = json.loads(saved.stdout)
    assert made["bytes"] > 0 and len(made["sha256"]) == 64 and made["backend"] == ctx.engine.dialect.name
    assert not list(tmp_path.glob("*.partial"))

    (tmp_path / "restored").mkdir()
    restored = run(["db", "restore", str(tmp_path / "city.backup")], _env(empty_database, tmp_path / "restored"))
    assert restored.returncode == 0, restored.stderr
    after = json.loads(restored.stdout)
    before = json.loads(run(["db", "check"], live).stdout)
    assert after["tables"] == before["tables"] and after["audit"] == before["audit"]
    assert after["tables"]["app_user"] >= 2 and after["audit"]["entries"] > 0
    assert after["timelines"]["checked"] == 1 and after["timelines"]["broken"] == []


def test_a_restore_over_data_or_of_a_stranger_file_is_refused(
        client: TestClient, ctx: AppContext, make_user: UserFactory, tmp_path: Path) -> None:
    _city(client, make_user)
    live = _env(_url(ctx), tmp_path)
    assert run(["db", "backup", str(tmp_path / "city.backup")], live).returncode == 0
    before = json.loads(run(["db", "check"], live).stdout)

    over = run(["db", "restore", str(tmp_path / "city.backup")], live)
    assert over.returncode == 2 and "not empty" in over.stderr and len(over.stderr.strip().splitlines()) == 1
    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    stranger = run(["db", "restore", str(tmp_path / "notes.txt")], live)
    assert stranger.returncode == 2 and "neither a SQLite backup nor a pg_dump" in stranger.stderr
    missing = run(["db", "backup", str(tmp_path / "no-such-folder" / "x.backup")], live)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in over.stderr + stranger.stderr + missing.stderr
    assert json.loads(run(["db", "check"], live).stdout) == before  # nothing changed
