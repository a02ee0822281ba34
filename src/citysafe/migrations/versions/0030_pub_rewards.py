"""reporting rewards (issue #15 point 2): reward rules by version and jurisdiction, reward cases, their steps and
payments

Revision ID: 0030_pub_rewards
Revises: 0001_foundation
Create Date: generated from citysafe.public.rewards models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0030_pub_rewards'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('public_rewards',)
depends_on: str | Sequence[str] | None = '0029_pub_reports'  # reward_case.report_id → pub_report.id


def upgrade() -> None:
    op.create_table('reward_rule',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source_document', sa.String(length=500), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_rule')),
    sa.UniqueConstraint('name', 'version', name='uq_reward_rule_version')
    )
    with op.batch_alter_table('reward_rule', schema=None) as batch_op:
        batch_op.create_index('ix_reward_rule_current', ['current', 'jurisdiction'], unique=False)

    op.create_table('reward_case',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('fine_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=True),
    sa.Column('deaths', sa.Integer(), nullable=True),
    sa.Column('chosen_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('basis_note', sa.Text(), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('computed_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('limited_by', sa.String(length=10), nullable=True),
    sa.Column('formula', sa.String(length=400), nullable=False),
    sa.Column('rule_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('matter_note', sa.Text(), nullable=False),
    sa.Column('verified_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notice_due_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notice_overdue', sa.Boolean(), nullable=False),
    sa.Column('notified_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('notice_method', sa.String(length=20), nullable=False),
    sa.Column('claim_due_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('approved_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['pub_report.id'], name=op.f('fk_reward_case_report_id_pub_report'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rule_id'], ['reward_rule.id'], name=op.f('fk_reward_case_rule_id_reward_rule'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_case'))
    )
    with op.batch_alter_table('reward_case', schema=None) as batch_op:
        batch_op.create_index('ix_reward_case_claim_due', ['state', 'claim_due_at'], unique=False)
        batch_op.create_index('ix_reward_case_due', ['state', 'notice_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_case_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_case_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_case_rule_id'), ['rule_id'], unique=False)

    op.create_table('reward_payment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('paid_by', sa.String(length=100), nullable=False),
    sa.Column('paid_by_name', sa.String(length=100), nullable=False),
    sa.Column('paid_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['reward_case.id'], name=op.f('fk_reward_payment_case_id_reward_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_payment')),
    sa.UniqueConstraint('case_id', name=op.f('uq_reward_payment_case_id'))
    )
    with op.batch_alter_table('reward_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_payment_region_code'), ['region_code'], unique=False)

    op.create_table('reward_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['reward_case.id'], name=op.f('fk_reward_step_case_id_reward_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_step')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_reward_step_seq')
    )
    with op.batch_alter_table('reward_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_step_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_step_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reward_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_step_region_code'))
        batch_op.drop_index(batch_op.f('ix_reward_step_case_id'))

    op.drop_table('reward_step')
    with op.batch_alter_table('reward_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_payment_region_code'))

    op.drop_table('reward_payment')
    with op.batch_alter_table('reward_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_case_rule_id'))
        batch_op.drop_index(batch_op.f('ix_reward_case_report_id'))
        batch_op.drop_index(batch_op.f('ix_reward_case_region_code'))
        batch_op.drop_index('ix_reward_case_due')
        batch_op.drop_index('ix_reward_case_claim_due')

    op.drop_table('reward_case')
    with op.batch_alter_table('reward_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_rule_current')

    op.drop_table('reward_rule')
