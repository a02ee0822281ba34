"""core.jobs: background jobs (the white paper) with their progress, result and error

Revision ID: 0008_jobs
Revises: 0007_device_claims
Create Date: 2026-12-06 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0008_jobs'
down_revision: str | Sequence[str] | None = '0007_device_claims'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('finished_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_index(batch_op.f('ix_job_region_code'))
    op.drop_table('job')
