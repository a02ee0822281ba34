"""hazards.enforcement: the legal basis (the articles cited) of an enforcement record and of each penalty

Revision ID: 0010_enforcement_basis
Revises: 0009_permit_measures
Create Date: 2026-12-06 10:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_enforcement_basis'
down_revision: str | Sequence[str] | None = '0009_permit_measures'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0003_hazards'  # adds to the enforcement tables created there


def upgrade() -> None:
    for table in ('enforcement_record', 'enforcement_penalty'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('basis', sa.String(length=500), nullable=False, server_default=''))


def downgrade() -> None:
    for table in ('enforcement_penalty', 'enforcement_record'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('basis')
