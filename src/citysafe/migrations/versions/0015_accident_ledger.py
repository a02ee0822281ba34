"""emergency.ledger: the accident ledger (事故台账), closed 事故灾难 incidents and imported earlier accidents

Revision ID: 0015_accident_ledger
Revises: 0014_emergency_reports
Create Date: generated from citysafe.emergency.ledger models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0015_accident_ledger'
down_revision: str | Sequence[str] | None = '0014_emergency_reports'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_accident_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('import_file', sa.String(length=200), nullable=False),
    sa.Column('import_row', sa.Integer(), nullable=True),
    sa.Column('natural_key', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('subtype', sa.String(length=40), nullable=False),
    sa.Column('industry_code', sa.String(length=2), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('minor_injuries', sa.Integer(), nullable=False),
    sa.Column('direct_loss_yuan', sa.BigInteger(), nullable=False),
    sa.Column('grade', sa.String(length=30), nullable=False),
    sa.Column('grade_decided_by', sa.String(length=30), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_accident_ledger_incident_id_em_incident'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_accident_ledger')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_em_accident_ledger_incident_id')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_em_accident_ledger_natural_key'))
    )
    with op.batch_alter_table('em_accident_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_em_accident_ledger_list', ['occurred_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_accident_ledger_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_em_accident_ledger_year', ['occurred_year', 'region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('em_accident_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_em_accident_ledger_year')
        batch_op.drop_index(batch_op.f('ix_em_accident_ledger_region_code'))
        batch_op.drop_index('ix_em_accident_ledger_list')

    op.drop_table('em_accident_ledger')
