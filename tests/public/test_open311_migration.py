"""Migration 0033_pub_open311 creates exactly the tables the Open311 models describe, and the vault's e-mail."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from citysafe.core.context import AppContext
from citysafe.registry import load_models

OURS = ("pub_open311_key", "pub_open311_post", "pub_reporter_vault")


def _names(diff: Any) -> str:
    item = diff[0] if isinstance(diff, list) else diff
    return " ".join(str(getattr(part, "name", part)) + " " + str(getattr(getattr(part, "table", None), "name", ""))
                    for part in item[1:])


def test_migration_matches_the_open311_models(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        tables = conn.dialect.get_table_names(conn)
        columns = {c["name"] for c in conn.dialect.get_columns(conn, "pub_reporter_vault")}
    assert {"pub_open311_key", "pub_open311_post"} <= set(tables) and "email" in columns
    assert [d for d in diffs if any(t in _names(d) for t in OURS)] == []
