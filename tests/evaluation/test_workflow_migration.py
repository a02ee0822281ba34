"""Migration 0025_ev_workflow creates exactly the tables the workflow models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("ev_application", "ev_step", "ev_opinion", "ev_objection", "ev_revocation")


def test_migration_matches_the_workflow_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        tables = set(inspect(conn).get_table_names())
    assert [d for d in diffs if any(t in repr(d) for t in OURS)] == []
    assert set(OURS) <= tables
