"""core.jobs: each job names the process that runs it and that process's last heartbeat, so one serving process
no longer fails the running jobs of another at its start (several ``citysafe serve`` share one database)

Revision ID: 0035_core_job_runner
Revises: 0001_foundation
Depends on: 0008_jobs (which created job)
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0035_core_job_runner'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('jobrunner',)
depends_on: str | Sequence[str] | None = ('0008_jobs',)


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_runner'), ['runner'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_runner'))
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('runner')
