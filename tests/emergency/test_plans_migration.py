"""Migration 0013_emergency_plans creates exactly the tables the plan and drill models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("emergency_plan", "emergency_drill")


def _table(diff: Any) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        name = part if isinstance(part, str) else getattr(part, "name", None)
        if isinstance(name, str) and name.startswith(OURS):
            return name
    return ""


def test_migration_matches_the_plan_and_drill_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
    assert [d for d in diffs if _table(d).startswith(OURS)] == []
