"""Migration 0019_em_resources creates exactly the tables the resource and shelter models describe, on both
backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("em_team", "em_team_status", "em_depot", "em_stock", "em_agreement", "em_shelter",
        "em_shelter_movement", "em_shelter_area_rule", "em_community_population")


def test_migration_matches_the_resource_and_shelter_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        tables = set(inspect(conn).get_table_names())
    assert [d for d in diffs if any(f"'{t}'" in repr(d) or f"({t}" in repr(d) for t in OURS)] == []
    assert set(OURS) <= tables
