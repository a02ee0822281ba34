"""`citysafe reward compute` with a database configured: the rule's current version there (an office's edited
schedule) decides, as it would for a case, and the answer says so; with none, the shipped file, said too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citysafe.cli import app
from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.rewards import rules_store
from citysafe.public.rewards.models import RewardRule

runner = CliRunner()
ARGS = ["reward", "compute", "--kind", "violation", "--fine-yuan", "10000"]  # 15 % is 1,500: below the minimum


def test_the_databases_current_version_decides(ctx: AppContext, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        rules_store.ensure_shipped(session, now=ctx.clock.now())
        shipped = session.scalars(select(RewardRule).where(RewardRule.name == "national-2018")).one()
        document = json.loads(json.dumps(shipped.document))
        document["schedules"]["violation"]["min_yuan"] = "5000"
        shipped.current = False
        session.add(RewardRule(name=shipped.name, version=2, jurisdiction="", title=shipped.title,
                               source_document=shipped.source_document, effective_from=shipped.effective_from,
                               document=document, current=True, origin="edited", change_note="最低额调整",
                               created_by="tests"))
    monkeypatch.setenv("CITYSAFE_DATABASE_URL", ctx.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CITYSAFE_DATA_DIR", str(tmp_path))
    edited = runner.invoke(app, ARGS)
    assert edited.exit_code == 0, edited.output
    out = json.loads(edited.stdout)
    assert out["yuan"] == 5000 and out["limited_by"] == "min"
    assert (out["rule"]["origin"], out["rule"]["version"]) == ("database", 2)

    monkeypatch.setenv("CITYSAFE_DATABASE_URL", "")  # nothing configured: the file shipped with the package
    monkeypatch.setenv("CITYSAFE_DATA_DIR", str(tmp_path / "empty"))
    plain = json.loads(runner.invoke(app, ARGS).stdout)
    assert plain["yuan"] == 3000 and (plain["rule"]["origin"], plain["rule"]["version"]) == ("shipped", None)
