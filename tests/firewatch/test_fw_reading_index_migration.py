"""Migrations 0036_fw_reading_index and 0037_fw_reading_time leave fw_reading with exactly the indexes the model
describes, on both backends: no index of every reading by device and time nor by time alone, a partial one
for the readings of no frame and no message (the MQTT broker's dropped counts, which
``mqtt_broker.last_count`` looks up by device)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from citysafe.core.context import AppContext
from citysafe.registry import load_models


def test_migration_matches_the_reading_model(ctx: AppContext) -> None:
    with ctx.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), load_models().metadata)
        indexes = {index["name"]: index for index in inspect(conn).get_indexes("fw_reading")}
    assert [d for d in diffs if "fw_reading" in repr(d)] == []
    assert "ix_fw_reading_device_time" not in indexes and "ix_fw_reading_received_at" not in indexes
    assert indexes["ix_fw_reading_unlinked_device"]["column_names"] == ["device_id"]
