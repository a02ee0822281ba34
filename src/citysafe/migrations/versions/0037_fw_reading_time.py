"""firewatch: readings are no longer indexed by their receive time; retention finds its boundary by bisecting
the ids (``alarms.retention.first_reading_since``), which rise with it.

Every reading went into ``ix_fw_reading_received_at``: ~2 µs a row on SQLite, inside the write lock that
MQTT ingest's writers take in turns (issue #16 point 4), for the hourly prune alone. On the branch of
0036 (``fw_reading_index``).

Revision ID: 0037_fw_reading_time
Revises: 0036_fw_reading_index
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0037_fw_reading_time'
down_revision: str | Sequence[str] | None = '0036_fw_reading_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('fw_reading', schema=None) as batch_op:
        batch_op.drop_index('ix_fw_reading_received_at')


def downgrade() -> None:
    with op.batch_alter_table('fw_reading', schema=None) as batch_op:
        batch_op.create_index('ix_fw_reading_received_at', ['received_at'], unique=False)
