"""emergency.plans and emergency.drills: digital plans, their versions, documents, reviews and filings;
drills, their findings, and the drill-duty rules an administrator edits

Revision ID: 0013_emergency_plans
Revises: 0012_emergency
Create Date: generated from citysafe.emergency.plans and citysafe.emergency.drills models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0013_emergency_plans'
down_revision: str | Sequence[str] | None = '0012_emergency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('emergency_drill_duty_rule',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('updated_by_name', sa.String(length=100), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_emergency_drill_duty_rule'))
    )
    op.create_table('emergency_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('owner', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('category_keys', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_emergency_plan_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan'))
    )
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_plan_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_plan_region_code'), ['region_code'], unique=False)

    op.create_table('emergency_drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_kind', sa.String(length=20), nullable=False),
    sa.Column('form_kind', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('organizer', sa.String(length=200), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('score_pct', sa.Float(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_emergency_drill_plan_id_emergency_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_drill'))
    )
    with op.batch_alter_table('emergency_drill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_drill_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_scheduled_on'), ['scheduled_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_state'), ['state'], unique=False)

    op.create_table('emergency_plan_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_emergency_plan_document_plan_id_emergency_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_document'))
    )
    with op.batch_alter_table('emergency_plan_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_document_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_plan_document_region_code'), ['region_code'], unique=False)

    op.create_table('emergency_plan_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('conclusion', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_emergency_plan_record_plan_id_emergency_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_record'))
    )
    with op.batch_alter_table('emergency_plan_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_record_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_plan_record_region_code'), ['region_code'], unique=False)

    op.create_table('emergency_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_emergency_plan_version_plan_id_emergency_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_emergency_plan_version_plan_id'))
    )
    with op.batch_alter_table('emergency_plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_plan_version_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_plan_version_region_code'), ['region_code'], unique=False)

    op.create_table('emergency_drill_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.String(length=20), nullable=False),
    sa.Column('task_owner', sa.String(length=100), nullable=False),
    sa.Column('task_due_on', sa.Date(), nullable=True),
    sa.Column('task_done_on', sa.Date(), nullable=True),
    sa.Column('hazard_ticket_id', sa.Integer(), nullable=True),
    sa.Column('hazard_ticket_number', sa.String(length=30), nullable=False),
    sa.Column('revision_note', sa.Text(), nullable=False),
    sa.Column('created_by_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['emergency_drill.id'], name=op.f('fk_emergency_drill_finding_drill_id_emergency_drill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_drill_finding'))
    )
    with op.batch_alter_table('emergency_drill_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_drill_finding_drill_id'), ['drill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_drill_finding_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('emergency_drill_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_drill_finding_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_finding_drill_id'))

    op.drop_table('emergency_drill_finding')
    with op.batch_alter_table('emergency_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_version_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_plan_version_plan_id'))

    op.drop_table('emergency_plan_version')
    with op.batch_alter_table('emergency_plan_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_record_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_plan_record_plan_id'))

    op.drop_table('emergency_plan_record')
    with op.batch_alter_table('emergency_plan_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_document_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_plan_document_plan_id'))

    op.drop_table('emergency_plan_document')
    with op.batch_alter_table('emergency_drill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_drill_state'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_scheduled_on'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_plan_id'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_organization_id'))
        batch_op.drop_index(batch_op.f('ix_emergency_drill_held_on'))

    op.drop_table('emergency_drill')
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_plan_region_code'))
        batch_op.drop_index(batch_op.f('ix_emergency_plan_organization_id'))
        batch_op.drop_index(batch_op.f('ix_emergency_plan_kind'))

    op.drop_table('emergency_plan')
    op.drop_table('emergency_drill_duty_rule')
