"""evaluation workflow: applications through the creation steps, their steps, member-unit opinions, public
objections during 公示 and revocation proposals, issue #14 point 6

Revision ID: 0025_ev_workflow
Revises: 0024_ev_core
Create Date: generated from citysafe.evaluation.workflow models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0025_ev_workflow'
down_revision: str | Sequence[str] | None = '0024_ev_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ev_application',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('round', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('sheet_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('apply_note', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=False),
    sa.Column('recommended_on', sa.Date(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('publicity_start', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('publicity_end', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['ev_applicant.id'], name=op.f('fk_ev_application_applicant_id_ev_applicant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_id'], ['ev_sheet.id'], name=op.f('fk_ev_application_sheet_id_ev_sheet'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_application'))
    )
    with op.batch_alter_table('ev_application', schema=None) as batch_op:
        batch_op.create_index('ix_ev_application_applicant', ['applicant_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_application_region_code'), ['region_code'], unique=False)

    op.create_table('ev_objection',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('handling_note', sa.Text(), nullable=False),
    sa.Column('lodged_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('handled_by', sa.String(length=100), nullable=False),
    sa.Column('handled_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['ev_application.id'], name=op.f('fk_ev_objection_application_id_ev_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_objection'))
    )
    with op.batch_alter_table('ev_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_objection_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_objection_region_code'), ['region_code'], unique=False)

    op.create_table('ev_opinion',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=False),
    sa.Column('stance', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['ev_application.id'], name=op.f('fk_ev_opinion_application_id_ev_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_opinion'))
    )
    with op.batch_alter_table('ev_opinion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_opinion_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_opinion_region_code'), ['region_code'], unique=False)

    op.create_table('ev_revocation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['ev_applicant.id'], name=op.f('fk_ev_revocation_applicant_id_ev_applicant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['application_id'], ['ev_application.id'], name=op.f('fk_ev_revocation_application_id_ev_application'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_revocation')),
    sa.UniqueConstraint('applicant_id', 'incident_id', name='uq_ev_revocation_incident')
    )
    with op.batch_alter_table('ev_revocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_revocation_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_revocation_region_code'), ['region_code'], unique=False)

    op.create_table('ev_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['ev_application.id'], name=op.f('fk_ev_step_application_id_ev_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_step')),
    sa.UniqueConstraint('application_id', 'seq', name='uq_ev_step_seq')
    )
    with op.batch_alter_table('ev_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_step_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_step_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ev_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_step_region_code'))
        batch_op.drop_index(batch_op.f('ix_ev_step_application_id'))

    op.drop_table('ev_step')
    with op.batch_alter_table('ev_revocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_revocation_region_code'))
        batch_op.drop_index(batch_op.f('ix_ev_revocation_applicant_id'))

    op.drop_table('ev_revocation')
    with op.batch_alter_table('ev_opinion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_opinion_region_code'))
        batch_op.drop_index(batch_op.f('ix_ev_opinion_application_id'))

    op.drop_table('ev_opinion')
    with op.batch_alter_table('ev_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_objection_region_code'))
        batch_op.drop_index(batch_op.f('ix_ev_objection_application_id'))

    op.drop_table('ev_objection')
    with op.batch_alter_table('ev_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_application_region_code'))
        batch_op.drop_index('ix_ev_application_applicant')

    op.drop_table('ev_application')
