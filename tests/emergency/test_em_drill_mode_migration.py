"""Migration 0017_drill_mode gives em_incident exactly the drill-mode columns the model describes (``is_drill``,
``drill_id`` with its index and foreign key to the drill), on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models


def test_migration_matches_the_incident_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"]: c for c in inspect(conn).get_columns("em_incident")}
        keys = inspect(conn).get_foreign_keys("em_incident")
    assert [d for d in diffs if "em_incident" in repr(d)] == []
    assert {"is_drill", "drill_id"} <= set(columns)
    assert not columns["is_drill"]["nullable"]
    assert any(k["referred_table"] == "emergency_drill" and k["constrained_columns"] == ["drill_id"] for k in keys)
