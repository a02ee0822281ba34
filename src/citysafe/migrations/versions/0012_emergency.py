"""emergency: incidents (接报 to 归档) with their grade history, the hash-chained timeline, the duty roster

Revision ID: 0012_emergency
Revises: 0011_claim_reason
Create Date: 2026-12-06 10:27:00.903023
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0012_emergency'
down_revision: str | Sequence[str] | None = '0011_claim_reason'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_duty_shift',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('post', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_em_duty_shift_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_duty_shift'))
    )
    with op.batch_alter_table('em_duty_shift', schema=None) as batch_op:
        batch_op.create_index('ix_em_duty_shift_day', ['region_code', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_duty_shift_region_code'), ['region_code'], unique=False)

    op.create_table('em_incident',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('subtype', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('grade', sa.String(length=30), nullable=True),
    sa.Column('grade_decided_by', sa.String(length=30), nullable=True),
    sa.Column('response_level', sa.String(length=4), nullable=True),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('minor_injuries', sa.Integer(), nullable=False),
    sa.Column('loss_yuan', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('caller_name', sa.String(length=100), nullable=False),
    sa.Column('caller_phone', sa.String(length=40), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=80), nullable=True),
    sa.Column('alarm_id', sa.BigInteger(), nullable=True),
    sa.Column('unit_id', sa.BigInteger(), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('timeline_length', sa.Integer(), nullable=False),
    sa.Column('timeline_head', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_em_incident_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_incident')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_em_incident_source_ref'))
    )
    with op.batch_alter_table('em_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_incident_alarm_id'), ['alarm_id'], unique=False)
        batch_op.create_index('ix_em_incident_list', ['opened_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_incident_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_incident_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_em_incident_state', ['state', 'region_code'], unique=False)

    op.create_table('em_incident_grading',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deaths', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('serious_injuries', sa.Integer(), nullable=False),
    sa.Column('minor_injuries', sa.Integer(), nullable=False),
    sa.Column('loss_yuan', sa.BigInteger(), nullable=False),
    sa.Column('grade', sa.String(length=30), nullable=True),
    sa.Column('decided_by', sa.String(length=30), nullable=True),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_incident_grading_incident_id_em_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_incident_grading'))
    )
    with op.batch_alter_table('em_incident_grading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_incident_grading_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_incident_grading_region_code'), ['region_code'], unique=False)

    op.create_table('em_timeline_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_timeline_entry_incident_id_em_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_timeline_entry')),
    sa.UniqueConstraint('incident_id', 'seq', name=op.f('uq_em_timeline_entry_incident_id'))
    )
    with op.batch_alter_table('em_timeline_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_timeline_entry_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('em_timeline_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_timeline_entry_region_code'))

    op.drop_table('em_timeline_entry')
    with op.batch_alter_table('em_incident_grading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_incident_grading_region_code'))
        batch_op.drop_index(batch_op.f('ix_em_incident_grading_incident_id'))

    op.drop_table('em_incident_grading')
    with op.batch_alter_table('em_incident', schema=None) as batch_op:
        batch_op.drop_index('ix_em_incident_state')
        batch_op.drop_index(batch_op.f('ix_em_incident_region_code'))
        batch_op.drop_index(batch_op.f('ix_em_incident_organization_id'))
        batch_op.drop_index('ix_em_incident_list')
        batch_op.drop_index(batch_op.f('ix_em_incident_alarm_id'))

    op.drop_table('em_incident')
    with op.batch_alter_table('em_duty_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_duty_shift_region_code'))
        batch_op.drop_index('ix_em_duty_shift_day')

    op.drop_table('em_duty_shift')
