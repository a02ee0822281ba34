"""risk: sources, assessments, dynamic factors, imports, reports

Revision ID: 0004_risk
Revises: 0001_foundation
Create Date: 2026-11-28 11:54:38.735584
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0004_risk'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('risk',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('risk_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('file_format', sa.String(length=10), nullable=False),
    sa.Column('crs', sa.String(length=10), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('assessed', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_import'))
    )
    with op.batch_alter_table('risk_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_import_region_code'), ['region_code'], unique=False)

    op.create_table('risk_version',
    sa.Column('county', sa.String(length=6), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('county', name=op.f('pk_risk_version'))
    )
    op.create_table('risk_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('directory', sa.String(length=500), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_report'))
    )
    with op.batch_alter_table('risk_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_report_region_code'), ['region_code'], unique=False)

    op.create_table('risk_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('geometry_type', sa.String(length=10), nullable=False),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('h3_r6', sa.String(length=16), nullable=False),
    sa.Column('h3_r7', sa.String(length=16), nullable=False),
    sa.Column('h3_r8', sa.String(length=16), nullable=False),
    sa.Column('h3_r9', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('responsible_unit', sa.String(length=200), nullable=False),
    sa.Column('supervising_department', sa.String(length=100), nullable=False),
    sa.Column('assessed_level', sa.String(length=10), nullable=True),
    sa.Column('current_level', sa.String(length=10), nullable=True),
    sa.Column('level_reasons', sa.JSON(), nullable=False),
    sa.Column('assessed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['risk_import.id'], name=op.f('fk_risk_source_import_id_risk_import')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_risk_source_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_source')),
    sa.UniqueConstraint('code', name=op.f('uq_risk_source_code'))
    )
    with op.batch_alter_table('risk_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_source_assessed_level'), ['assessed_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_current_level'), ['current_level'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_source_status'), ['status'], unique=False)

    op.create_table('risk_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('preset', sa.String(length=10), nullable=True),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=True),
    sa.Column('assessor', sa.String(length=64), nullable=False),
    sa.Column('assessor_name', sa.String(length=100), nullable=False),
    sa.Column('assessed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['risk_source.id'], name=op.f('fk_risk_assessment_source_id_risk_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessment'))
    )
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_assessment_assessed_at'), ['assessed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessment_method'), ['method'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessment_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessment_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessment_source_id'), ['source_id'], unique=False)

    op.create_table('risk_factor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref_id', sa.String(length=64), nullable=False),
    sa.Column('subkind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('opened_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['risk_source.id'], name=op.f('fk_risk_factor_source_id_risk_source'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_factor')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_risk_factor_kind'))
    )
    with op.batch_alter_table('risk_factor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_factor_cleared_at'), ['cleared_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_factor_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_factor_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_factor_source_id'), ['source_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_factor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_factor_source_id'))
        batch_op.drop_index(batch_op.f('ix_risk_factor_region_code'))
        batch_op.drop_index(batch_op.f('ix_risk_factor_organization_id'))
        batch_op.drop_index(batch_op.f('ix_risk_factor_cleared_at'))

    op.drop_table('risk_factor')
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_assessment_source_id'))
        batch_op.drop_index(batch_op.f('ix_risk_assessment_region_code'))
        batch_op.drop_index(batch_op.f('ix_risk_assessment_organization_id'))
        batch_op.drop_index(batch_op.f('ix_risk_assessment_method'))
        batch_op.drop_index(batch_op.f('ix_risk_assessment_assessed_at'))

    op.drop_table('risk_assessment')
    with op.batch_alter_table('risk_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_source_status'))
        batch_op.drop_index(batch_op.f('ix_risk_source_region_code'))
        batch_op.drop_index(batch_op.f('ix_risk_source_organization_id'))
        batch_op.drop_index(batch_op.f('ix_risk_source_name'))
        batch_op.drop_index(batch_op.f('ix_risk_source_kind'))
        batch_op.drop_index(batch_op.f('ix_risk_source_current_level'))
        batch_op.drop_index(batch_op.f('ix_risk_source_category'))
        batch_op.drop_index(batch_op.f('ix_risk_source_assessed_level'))

    op.drop_table('risk_source')
    with op.batch_alter_table('risk_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_report_region_code'))

    op.drop_table('risk_report')
    with op.batch_alter_table('risk_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_import_region_code'))

    op.drop_table('risk_import')
    op.drop_table('risk_version')
