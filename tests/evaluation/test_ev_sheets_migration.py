"""Migration 0027_ev_sheets adds exactly the columns the score-sheet models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("ev_criteria", "ev_sheet", "ev_sheet_item", "ev_evidence")


def test_migration_matches_the_sheet_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {t: {c["name"] for c in inspect(conn).get_columns(t)} for t in ("ev_criteria", "ev_sheet")}
    assert [d for d in diffs if any(t in repr(d) for t in OURS)] == []
    assert "performance_grades" in columns["ev_criteria"] and "state_note" in columns["ev_sheet"]
