"""Migration 0014_emergency_reports creates exactly the table the report model describes."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = "em_incident_report"


def _names(diff: Any) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    return " ".join(str(getattr(part, "name", part)) + " " + str(getattr(getattr(part, "table", None), "name", ""))
                    for part in item[1:])


def test_migration_matches_the_report_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        assert OURS in conn.dialect.get_table_names(conn)
    assert [d for d in diffs if OURS in _names(d)] == []
