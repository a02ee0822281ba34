"""Migration 0026_ev_indicators creates exactly the tables the indicator models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("ev_indicator_base", "ev_indicator_target")


def test_migration_matches_the_indicator_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in inspect(conn).get_columns("ev_indicator_base")}
    assert [d for d in diffs if any(name in repr(d) for name in OURS)] == []
    assert {"gdp_yi", "vehicles", "residents", "industrial_employees", "special_equipment_units", "source_note",
            "imported_by", "imported_at"} <= columns
