"""emergency.reports: information reports (首报/续报/终报/补报) of incidents, with the six items of 493号令 第十二条

Revision ID: 0014_emergency_reports
Revises: 0013_emergency_plans
Create Date: generated from citysafe.emergency.reports models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0014_emergency_reports'
down_revision: str | Sequence[str] | None = '0013_emergency_plans'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_incident_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('from_level', sa.String(length=20), nullable=False),
    sa.Column('to_level', sa.String(length=20), nullable=False),
    sa.Column('to_code', sa.String(length=20), nullable=True),
    sa.Column('unit_overview', sa.Text(), nullable=False),
    sa.Column('time_place_scene', sa.Text(), nullable=False),
    sa.Column('course', sa.Text(), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('minor_injuries', sa.Integer(), nullable=False),
    sa.Column('loss_yuan', sa.BigInteger(), nullable=False),
    sa.Column('casualty_note', sa.Text(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('other', sa.Text(), nullable=False),
    sa.Column('grade', sa.String(length=30), nullable=True),
    sa.Column('reporting_unit', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('reporter', sa.String(length=100), nullable=False),
    sa.Column('reporter_phone', sa.String(length=40), nullable=False),
    sa.Column('filed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_incident_report_incident_id_em_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_incident_report'))
    )
    with op.batch_alter_table('em_incident_report', schema=None) as batch_op:
        batch_op.create_index('ix_em_incident_report_incident', ['incident_id', 'filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_incident_report_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('em_incident_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_incident_report_region_code'))
        batch_op.drop_index('ix_em_incident_report_incident')

    op.drop_table('em_incident_report')
