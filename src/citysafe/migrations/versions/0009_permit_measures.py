"""hazards.permits: the measured working height and lifted mass a permit's grade is read from

Revision ID: 0009_permit_measures
Revises: 0008_jobs
Create Date: 2026-12-06 08:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_permit_measures'
down_revision: str | Sequence[str] | None = '0008_jobs'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0003_hazards'  # adds to the permit table created there


def upgrade() -> None:
    with op.batch_alter_table('work_permit') as batch:
        batch.add_column(sa.Column('height_m', sa.Float(), nullable=True))
        batch.add_column(sa.Column('lifted_mass_t', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('work_permit') as batch:
        batch.drop_column('lifted_mass_t')
        batch.drop_column('height_m')
