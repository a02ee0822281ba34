"""evaluation core: creation objects (参评对象), criteria sets by version, score sheets with their items and
evidence, issue #14 points 1-3

Revision ID: 0024_ev_core
Revises: 0023_em_mutual_aid
Create Date: generated from citysafe.evaluation models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0024_ev_core'
down_revision: str | Sequence[str] | None = '0023_em_mutual_aid'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ev_applicant',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('division_code', sa.String(length=20), nullable=True),
    sa.Column('city_code', sa.String(length=20), nullable=False),
    sa.Column('zone_approval', sa.String(length=200), nullable=False),
    sa.Column('boundary', sa.JSON(), nullable=True),
    sa.Column('standing', sa.String(length=20), nullable=False),
    sa.Column('named_on', sa.Date(), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=True),
    sa.Column('plan_title', sa.String(length=200), nullable=False),
    sa.Column('plan_adopted_on', sa.Date(), nullable=True),
    sa.Column('plan_summary', sa.Text(), nullable=False),
    sa.Column('leading_group', sa.JSON(), nullable=False),
    sa.Column('working_team', sa.JSON(), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_applicant')),
    sa.UniqueConstraint('division_code', name=op.f('uq_ev_applicant_division_code'))
    )
    with op.batch_alter_table('ev_applicant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_applicant_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_applicant_region_code'), ['region_code'], unique=False)

    op.create_table('ev_criteria',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('set_id', sa.String(length=50), nullable=False),
    sa.Column('version', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('owner_region', sa.String(length=20), nullable=False),
    sa.Column('unverified_items', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_criteria')),
    sa.UniqueConstraint('set_id', 'version', name='uq_ev_criteria_version')
    )
    op.create_table('ev_sheet',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('subject_org_id', sa.Integer(), nullable=True),
    sa.Column('criteria_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('locked_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=100), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['ev_applicant.id'], name=op.f('fk_ev_sheet_applicant_id_ev_applicant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criteria_id'], ['ev_criteria.id'], name=op.f('fk_ev_sheet_criteria_id_ev_criteria')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_sheet'))
    )
    with op.batch_alter_table('ev_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_sheet_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_ev_sheet_subject', ['applicant_id', 'purpose', 'year'], unique=False)

    op.create_table('ev_sheet_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sheet_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.String(length=50), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('deduction', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('na_reason', sa.Text(), nullable=False),
    sa.Column('responsible_units', sa.JSON(), nullable=False),
    sa.Column('supporting_units', sa.JSON(), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('facts_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['ev_sheet.id'], name=op.f('fk_ev_sheet_item_sheet_id_ev_sheet'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_sheet_item')),
    sa.UniqueConstraint('sheet_id', 'item_id', name='uq_ev_sheet_item')
    )
    op.create_table('ev_evidence',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sheet_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sheet_item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('record_type', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.String(length=50), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sheet_id'], ['ev_sheet.id'], name=op.f('fk_ev_evidence_sheet_id_ev_sheet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sheet_item_id'], ['ev_sheet_item.id'], name=op.f('fk_ev_evidence_sheet_item_id_ev_sheet_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ev_evidence'))
    )
    with op.batch_alter_table('ev_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ev_evidence_sheet_id'), ['sheet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ev_evidence_sheet_item_id'), ['sheet_item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ev_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_evidence_sheet_item_id'))
        batch_op.drop_index(batch_op.f('ix_ev_evidence_sheet_id'))

    op.drop_table('ev_evidence')
    op.drop_table('ev_sheet_item')
    with op.batch_alter_table('ev_sheet', schema=None) as batch_op:
        batch_op.drop_index('ix_ev_sheet_subject')
        batch_op.drop_index(batch_op.f('ix_ev_sheet_region_code'))

    op.drop_table('ev_sheet')
    op.drop_table('ev_criteria')
    with op.batch_alter_table('ev_applicant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ev_applicant_region_code'))
        batch_op.drop_index(batch_op.f('ix_ev_applicant_city_code'))

    op.drop_table('ev_applicant')
