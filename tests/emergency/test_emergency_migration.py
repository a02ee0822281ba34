"""Migration 0012_emergency creates exactly the emergency domain's tables as its models declare them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from citysafe.core.context import AppContext
from citysafe.registry import load_models


def _table_of(diff: Any) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        name = part if isinstance(part, str) else getattr(part, "name", None)
        if isinstance(name, str) and name.startswith("em_"):
            return name
    return ""


def test_migration_matches_the_emergency_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
    assert [d for d in diffs if _table_of(d).startswith("em_")] == []
    assert {"em_incident", "em_incident_grading", "em_timeline_entry", "em_duty_shift"} <= set(
        load_models().metadata.tables)
