"""emergency.command: unified command from a digital plan — the command (指挥部), its activations, members,
tasks and task updates

Revision ID: 0016_emergency_command
Revises: 0015_accident_ledger
Create Date: generated from citysafe.emergency.command models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0016_emergency_command'
down_revision: str | Sequence[str] | None = '0015_accident_ledger'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_command',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('plan_title', sa.String(length=200), nullable=False),
    sa.Column('response_level', sa.String(length=4), nullable=False),
    sa.Column('commander', sa.String(length=100), nullable=False),
    sa.Column('deputies', sa.JSON(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('activated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_command_incident_id_em_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_em_command_plan_id_emergency_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_command')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_em_command_incident_id'))
    )
    with op.batch_alter_table('em_command', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_command_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_command_region_code'), ['region_code'], unique=False)

    op.create_table('em_command_member',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('command_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('post', sa.String(length=20), nullable=False),
    sa.Column('group_name', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('added_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['command_id'], ['em_command.id'], name=op.f('fk_em_command_member_command_id_em_command'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_command_member_incident_id_em_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_em_command_member_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_command_member'))
    )
    with op.batch_alter_table('em_command_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_command_member_command_id'), ['command_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_command_member_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_em_command_member_user', ['user_id', 'command_id'], unique=False)

    op.create_table('em_command_task',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('command_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner_role', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('deadline_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['command_id'], ['em_command.id'], name=op.f('fk_em_command_task_command_id_em_command'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_command_task_incident_id_em_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_command_task'))
    )
    with op.batch_alter_table('em_command_task', schema=None) as batch_op:
        batch_op.create_index('ix_em_command_task_incident', ['incident_id', 'deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_command_task_region_code'), ['region_code'], unique=False)

    op.create_table('em_plan_activation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('command_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('previous_level', sa.String(length=4), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['command_id'], ['em_command.id'], name=op.f('fk_em_plan_activation_command_id_em_command'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_plan_activation_incident_id_em_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'], name=op.f('fk_em_plan_activation_plan_id_emergency_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_plan_activation'))
    )
    with op.batch_alter_table('em_plan_activation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_plan_activation_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_plan_activation_region_code'), ['region_code'], unique=False)

    op.create_table('em_task_update',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state_from', sa.String(length=20), nullable=False),
    sa.Column('state_to', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['em_command_task.id'], name=op.f('fk_em_task_update_task_id_em_command_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_task_update'))
    )
    with op.batch_alter_table('em_task_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_task_update_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_task_update_task_id'), ['task_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('em_task_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_task_update_task_id'))
        batch_op.drop_index(batch_op.f('ix_em_task_update_region_code'))

    op.drop_table('em_task_update')
    with op.batch_alter_table('em_plan_activation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_plan_activation_region_code'))
        batch_op.drop_index(batch_op.f('ix_em_plan_activation_incident_id'))

    op.drop_table('em_plan_activation')
    with op.batch_alter_table('em_command_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_command_task_region_code'))
        batch_op.drop_index('ix_em_command_task_incident')

    op.drop_table('em_command_task')
    with op.batch_alter_table('em_command_member', schema=None) as batch_op:
        batch_op.drop_index('ix_em_command_member_user')
        batch_op.drop_index(batch_op.f('ix_em_command_member_region_code'))
        batch_op.drop_index(batch_op.f('ix_em_command_member_command_id'))

    op.drop_table('em_command_member')
    with op.batch_alter_table('em_command', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_command_region_code'))
        batch_op.drop_index(batch_op.f('ix_em_command_plan_id'))

    op.drop_table('em_command')
