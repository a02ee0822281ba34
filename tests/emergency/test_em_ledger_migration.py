"""Migration 0015_accident_ledger creates exactly the table the ledger model describes, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = "em_accident_ledger"


def _names(diff: Any) -> str:
    return repr(diff)


def test_migration_matches_the_ledger_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        columns = {c["name"] for c in inspect(conn).get_columns(OURS)}
    assert [d for d in diffs if OURS in _names(d)] == []
    assert {"direct_loss_yuan", "occurred_year", "industry_code", "natural_key", "incident_id"} <= columns
