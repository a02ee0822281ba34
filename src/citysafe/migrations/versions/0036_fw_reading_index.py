"""firewatch: readings are no longer indexed by device and time; only the readings of no frame and no
message (the MQTT broker's dropped counts, the one lookup by device) keep a small partial index.

Every reading went into ``ix_fw_reading_device_time``: with a fleet's devices interleaved, each group
commit dirtied one leaf page per device, ~7 µs a row on SQLite, a quarter of MQTT ingest's time (issue #16
point 4), for a lookup nothing runs. Its own branch (``fw_reading_index``), off the table's creation.

Revision ID: 0036_fw_reading_index
Revises: 0002_firewatch
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0036_fw_reading_index'
down_revision: str | Sequence[str] | None = '0002_firewatch'
branch_labels: str | Sequence[str] | None = ('fw_reading_index',)
depends_on: str | Sequence[str] | None = None

UNLINKED = "raw_frame_id IS NULL AND iot_message_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table('fw_reading', schema=None) as batch_op:
        batch_op.drop_index('ix_fw_reading_device_time')
        batch_op.create_index('ix_fw_reading_unlinked_device', ['device_id'], unique=False,
                              sqlite_where=sa.text(UNLINKED), postgresql_where=sa.text(UNLINKED))


def downgrade() -> None:
    with op.batch_alter_table('fw_reading', schema=None) as batch_op:
        batch_op.drop_index('ix_fw_reading_unlinked_device')
        batch_op.create_index('ix_fw_reading_device_time', ['device_id', 'received_at'], unique=False)
