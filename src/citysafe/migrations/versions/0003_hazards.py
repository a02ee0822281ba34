"""hazards: tickets and their timeline, evidence and escalations; inspection checklists, plans and tasks;
dangerous-work permits; enforcement, penalties and joint punishment; grid officers and places

Revision ID: 0003_hazards
Revises: 0001_foundation
Create Date: generated from citysafe.hazards models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = "0003_hazards"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("hazards",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hazard_checklist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_type', sa.String(length=30), nullable=False),
    sa.Column('owner_region_code', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_checklist'))
    )
    with op.batch_alter_table('hazard_checklist', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_checklist_owner_region_code'), ['owner_region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_checklist_place_type'), ['place_type'], unique=False)

    op.create_table('hazard_tally',
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('tickets', sa.BigInteger(), nullable=False),
    sa.Column('close_seconds', sa.BigInteger(), nullable=False),
    sa.Column('closed_counted', sa.BigInteger(), nullable=False),
    sa.Column('closed_on_time', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'state', 'level', 'category', 'source', name=op.f('pk_hazard_tally'))
    )
    op.create_table('enforcement_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('target_name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=60), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('inspected_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('inspectors', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('violations', sa.Text(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('ticket_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_enforcement_record_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_record'))
    )
    with op.batch_alter_table('enforcement_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_record_inspected_at'), ['inspected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_record_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_record_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_record_region_code'), ['region_code'], unique=False)

    op.create_table('grid_officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_grid_officer_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_officer')),
    sa.UniqueConstraint('region_code', 'user_id', name=op.f('uq_grid_officer_region_code'))
    )
    with op.batch_alter_table('grid_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_officer_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_officer_user_id'), ['user_id'], unique=False)

    op.create_table('hazard_checklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('criterion', sa.String(length=20), nullable=True),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['hazard_checklist.id'], name=op.f('fk_hazard_checklist_item_checklist_id_hazard_checklist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_checklist_item'))
    )
    with op.batch_alter_table('hazard_checklist_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_checklist_item_checklist_id'), ['checklist_id'], unique=False)

    op.create_table('hazard_place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_type', sa.String(length=30), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_hazard_place_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_place'))
    )
    with op.batch_alter_table('hazard_place', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_place_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_place_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_place_place_type'), ['place_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_place_region_code'), ['region_code'], unique=False)

    op.create_table('inspection_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('place_type', sa.String(length=30), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('period_start', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assignee_kind', sa.String(length=20), nullable=False),
    sa.Column('assignee_user_id', sa.Integer(), nullable=True),
    sa.Column('department_org_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_user_id'], ['app_user.id'], name=op.f('fk_inspection_plan_assignee_user_id_app_user')),
    sa.ForeignKeyConstraint(['checklist_id'], ['hazard_checklist.id'], name=op.f('fk_inspection_plan_checklist_id_hazard_checklist')),
    sa.ForeignKeyConstraint(['department_org_id'], ['organization.id'], name=op.f('fk_inspection_plan_department_org_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan'))
    )
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_plan_region_code'), ['region_code'], unique=False)

    op.create_table('work_permit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_type', sa.String(length=30), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('organization_name', sa.String(length=200), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('safety_measures', sa.Text(), nullable=False),
    sa.Column('work_leader', sa.String(length=100), nullable=False),
    sa.Column('guardian', sa.String(length=100), nullable=False),
    sa.Column('workers', sa.String(length=500), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', sa.String(length=100), nullable=False),
    sa.Column('valid_from', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_to', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approval_chain', sa.JSON(), nullable=False),
    sa.Column('started_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_work_permit_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_permit'))
    )
    with op.batch_alter_table('work_permit', schema=None) as batch_op:
        batch_op.create_index('ix_work_permit_org_window', ['organization_id', 'valid_from', 'valid_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_permit_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_permit_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_permit_work_type'), ['work_type'], unique=False)

    op.create_table('enforcement_penalty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('decision_no', sa.String(length=100), nullable=False),
    sa.Column('decided_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('executed', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['enforcement_record.id'], name=op.f('fk_enforcement_penalty_record_id_enforcement_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_penalty'))
    )
    with op.batch_alter_table('enforcement_penalty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_penalty_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_penalty_region_code'), ['region_code'], unique=False)

    op.create_table('inspection_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_name', sa.String(length=200), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('place_type', sa.String(length=30), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('place_name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('assignee_kind', sa.String(length=20), nullable=False),
    sa.Column('grid_code', sa.String(length=20), nullable=True),
    sa.Column('assignee_user_id', sa.Integer(), nullable=True),
    sa.Column('department_org_id', sa.Integer(), nullable=True),
    sa.Column('due', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('completed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.Integer(), nullable=True),
    sa.Column('completed_by_name', sa.String(length=100), nullable=False),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_user_id'], ['app_user.id'], name=op.f('fk_inspection_task_assignee_user_id_app_user')),
    sa.ForeignKeyConstraint(['checklist_id'], ['hazard_checklist.id'], name=op.f('fk_inspection_task_checklist_id_hazard_checklist')),
    sa.ForeignKeyConstraint(['department_org_id'], ['organization.id'], name=op.f('fk_inspection_task_department_org_id_organization')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_inspection_task_organization_id_organization')),
    sa.ForeignKeyConstraint(['place_id'], ['hazard_place.id'], name=op.f('fk_inspection_task_place_id_hazard_place')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_inspection_task_plan_id_inspection_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_task'))
    )
    with op.batch_alter_table('inspection_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_task_assignee_user_id'), ['assignee_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_department_org_id'), ['department_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_task_state'), ['state'], unique=False)

    op.create_table('joint_punishment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('organization_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('starts_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_joint_punishment_organization_id_organization')),
    sa.ForeignKeyConstraint(['record_id'], ['enforcement_record.id'], name=op.f('fk_joint_punishment_record_id_enforcement_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_punishment'))
    )
    with op.batch_alter_table('joint_punishment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_punishment_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_punishment_region_code'), ['region_code'], unique=False)

    op.create_table('work_permit_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approver_name', sa.String(length=100), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['work_permit.id'], name=op.f('fk_work_permit_approval_permit_id_work_permit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_permit_approval'))
    )
    with op.batch_alter_table('work_permit_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_permit_approval_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_permit_approval_region_code'), ['region_code'], unique=False)

    op.create_table('work_permit_gas_test',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('sampled_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('point', sa.String(length=200), nullable=False),
    sa.Column('oxygen_pct', sa.Float(), nullable=True),
    sa.Column('combustible_pct_lel', sa.Float(), nullable=True),
    sa.Column('h2s_mg_m3', sa.Float(), nullable=True),
    sa.Column('co_mg_m3', sa.Float(), nullable=True),
    sa.Column('tester_name', sa.String(length=100), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['permit_id'], ['work_permit.id'], name=op.f('fk_work_permit_gas_test_permit_id_work_permit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_permit_gas_test'))
    )
    with op.batch_alter_table('work_permit_gas_test', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_permit_gas_test_permit_id'), ['permit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_permit_gas_test_region_code'), ['region_code'], unique=False)

    op.create_table('hazard_ticket',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('place_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('organization_name', sa.String(length=200), nullable=False),
    sa.Column('responsible_name', sa.String(length=100), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=100), nullable=False),
    sa.Column('deadline', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_seconds', sa.BigInteger(), nullable=True),
    sa.Column('closed_late', sa.Boolean(), nullable=True),
    sa.Column('escalation_step', sa.Integer(), nullable=False),
    sa.Column('escalation_region_code', sa.String(length=20), nullable=True),
    sa.Column('next_escalation_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source_ref', sa.String(length=80), nullable=True),
    sa.Column('plan_measures', sa.Text(), nullable=True),
    sa.Column('plan_funds', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('plan_responsible', sa.String(length=100), nullable=True),
    sa.Column('plan_deadline', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('plan_safeguards', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_hazard_ticket_organization_id_organization')),
    sa.ForeignKeyConstraint(['place_id'], ['hazard_place.id'], name=op.f('fk_hazard_ticket_place_id_hazard_place')),
    sa.ForeignKeyConstraint(['reporter_id'], ['app_user.id'], name=op.f('fk_hazard_ticket_reporter_id_app_user')),
    sa.ForeignKeyConstraint(['task_id'], ['inspection_task.id'], name=op.f('fk_hazard_ticket_task_id_inspection_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_ticket')),
    sa.UniqueConstraint('source_ref', name=op.f('uq_hazard_ticket_source_ref'))
    )
    with op.batch_alter_table('hazard_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_hazard_ticket_by_deadline', ['deadline', 'id'], unique=False, postgresql_include=['region_code', 'state', 'level', 'category', 'source'])
        batch_op.create_index(batch_op.f('ix_hazard_ticket_escalation_region_code'), ['escalation_region_code'], unique=False)
        batch_op.create_index('ix_hazard_ticket_list', ['created_at', 'id'], unique=False, postgresql_include=['region_code', 'state', 'level', 'category', 'source', 'deadline'])
        batch_op.create_index(batch_op.f('ix_hazard_ticket_next_escalation_at'), ['next_escalation_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_ticket_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_ticket_place_id'), ['place_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_ticket_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_hazard_ticket_running', ['state', 'region_code', 'deadline'], unique=False, postgresql_include=['level', 'category', 'source', 'created_at', 'id'])
        batch_op.create_index('ix_hazard_ticket_stats', ['region_code', 'state', 'level', 'category', 'source', 'deadline', 'close_seconds', 'closed_late'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_ticket_task_id'), ['task_id'], unique=False)

    op.create_table('hazard_escalation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('target_region_code', sa.String(length=20), nullable=False),
    sa.Column('overdue_hours', sa.Float(), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['hazard_ticket.id'], name=op.f('fk_hazard_escalation_ticket_id_hazard_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_escalation')),
    sa.UniqueConstraint('ticket_id', 'step', name=op.f('uq_hazard_escalation_ticket_id'))
    )
    with op.batch_alter_table('hazard_escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_escalation_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_escalation_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('hazard_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['hazard_ticket.id'], name=op.f('fk_hazard_step_ticket_id_hazard_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_step'))
    )
    with op.batch_alter_table('hazard_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_step_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_step_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('hazard_attachment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('step_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('content_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['hazard_step.id'], name=op.f('fk_hazard_attachment_step_id_hazard_step'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['hazard_ticket.id'], name=op.f('fk_hazard_attachment_ticket_id_hazard_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_attachment'))
    )
    with op.batch_alter_table('hazard_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_attachment_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_attachment_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_attachment_uploaded_by'), ['uploaded_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hazard_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_attachment_uploaded_by'))
        batch_op.drop_index(batch_op.f('ix_hazard_attachment_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_attachment_region_code'))

    op.drop_table('hazard_attachment')
    with op.batch_alter_table('hazard_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_step_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_step_region_code'))

    op.drop_table('hazard_step')
    with op.batch_alter_table('hazard_escalation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_escalation_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_escalation_region_code'))

    op.drop_table('hazard_escalation')
    with op.batch_alter_table('hazard_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_task_id'))
        batch_op.drop_index('ix_hazard_ticket_stats')
        batch_op.drop_index('ix_hazard_ticket_running', postgresql_include=['level', 'category', 'source', 'created_at', 'id'])
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_region_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_place_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_organization_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_next_escalation_at'))
        batch_op.drop_index('ix_hazard_ticket_list', postgresql_include=['region_code', 'state', 'level', 'category', 'source', 'deadline'])
        batch_op.drop_index(batch_op.f('ix_hazard_ticket_escalation_region_code'))
        batch_op.drop_index('ix_hazard_ticket_by_deadline', postgresql_include=['region_code', 'state', 'level', 'category', 'source'])

    op.drop_table('hazard_ticket')
    with op.batch_alter_table('work_permit_gas_test', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_permit_gas_test_region_code'))
        batch_op.drop_index(batch_op.f('ix_work_permit_gas_test_permit_id'))

    op.drop_table('work_permit_gas_test')
    with op.batch_alter_table('work_permit_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_permit_approval_region_code'))
        batch_op.drop_index(batch_op.f('ix_work_permit_approval_permit_id'))

    op.drop_table('work_permit_approval')
    with op.batch_alter_table('joint_punishment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_joint_punishment_region_code'))
        batch_op.drop_index(batch_op.f('ix_joint_punishment_organization_id'))

    op.drop_table('joint_punishment')
    with op.batch_alter_table('inspection_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_task_state'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_region_code'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_plan_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_place_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_grid_code'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_department_org_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_task_assignee_user_id'))

    op.drop_table('inspection_task')
    with op.batch_alter_table('enforcement_penalty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcement_penalty_region_code'))
        batch_op.drop_index(batch_op.f('ix_enforcement_penalty_record_id'))

    op.drop_table('enforcement_penalty')
    with op.batch_alter_table('work_permit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_permit_work_type'))
        batch_op.drop_index(batch_op.f('ix_work_permit_state'))
        batch_op.drop_index(batch_op.f('ix_work_permit_region_code'))
        batch_op.drop_index('ix_work_permit_org_window')

    op.drop_table('work_permit')
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_plan_region_code'))

    op.drop_table('inspection_plan')
    with op.batch_alter_table('hazard_place', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_place_region_code'))
        batch_op.drop_index(batch_op.f('ix_hazard_place_place_type'))
        batch_op.drop_index(batch_op.f('ix_hazard_place_organization_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_place_name'))

    op.drop_table('hazard_place')
    with op.batch_alter_table('hazard_checklist_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_checklist_item_checklist_id'))

    op.drop_table('hazard_checklist_item')
    with op.batch_alter_table('grid_officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_officer_user_id'))
        batch_op.drop_index(batch_op.f('ix_grid_officer_region_code'))

    op.drop_table('grid_officer')
    with op.batch_alter_table('enforcement_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcement_record_region_code'))
        batch_op.drop_index(batch_op.f('ix_enforcement_record_organization_id'))
        batch_op.drop_index(batch_op.f('ix_enforcement_record_kind'))
        batch_op.drop_index(batch_op.f('ix_enforcement_record_inspected_at'))

    op.drop_table('enforcement_record')
    op.drop_table('hazard_tally')
    with op.batch_alter_table('hazard_checklist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_checklist_place_type'))
        batch_op.drop_index(batch_op.f('ix_hazard_checklist_owner_region_code'))

    op.drop_table('hazard_checklist')
