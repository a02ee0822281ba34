"""evaluation indicators: the imported denominators of the 城市安全状况 rates by region and year, and the
benchmarks or control targets an administrator sets, issue #14 point 5

Revision ID: 0026_ev_indicators
Revises: 0025_ev_workflow
Create Date: generated from citysafe.evaluation.indicators models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0026_ev_indicators'
down_revision: str | Sequence[str] | None = '0025_ev_workflow'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ev_indicator_base',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('gdp_yi', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.Column('vehicles', sa.BigInteger(), nullable=True),
    sa.Column('residents', sa.BigInteger(), nullable=True),
    sa.Column('industrial_employees', sa.BigInteger(), nullable=True),
    sa.Column('special_equipment_units', sa.BigInteger(), nullable=True),
    sa.Column('source_note', sa.Text(), nullable=False),
    sa.Column('import_file', sa.String(length=200), nullable=False),
    sa.Column('import_row', sa.Integer(), nullable=True),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_indicator_base')),
    sa.UniqueConstraint('region_code', 'year', name='uq_ev_indicator_base')
    )
    with op.batch_alter_table('ev_indicator_base', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_indicator_base_region_code'), ['region_code'], unique=False)

    op.create_table('ev_indicator_target',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rate', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=6), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_indicator_target')),
    sa.UniqueConstraint('region_code', 'rate', name='uq_ev_indicator_target')
    )
    with op.batch_alter_table('ev_indicator_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_indicator_target_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ev_indicator_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_indicator_target_region_code'))

    op.drop_table('ev_indicator_target')
    with op.batch_alter_table('ev_indicator_base', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_indicator_base_region_code'))

    op.drop_table('ev_indicator_base')
