"""emergency mutual aid (区域协同): aid requests between offices with their chained log, partners' imported
resource catalogues, issue #13 point 5

Revision ID: 0023_em_mutual_aid
Revises: 0022_em_warnings
Create Date: generated from citysafe.emergency.mutualaid models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0023_em_mutual_aid'
down_revision: str | Sequence[str] | None = '0022_em_warnings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_aid_catalogue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('publisher_id', sa.String(length=100), nullable=False),
    sa.Column('publisher_name', sa.String(length=200), nullable=False),
    sa.Column('format_version', sa.String(length=10), nullable=False),
    sa.Column('generated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('teams', sa.Integer(), nullable=False),
    sa.Column('depots', sa.Integer(), nullable=False),
    sa.Column('experts', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_aid_catalogue')),
    sa.UniqueConstraint('region_code', 'publisher_id', name='uq_em_aid_catalogue_publisher')
    )
    with op.batch_alter_table('em_aid_catalogue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_aid_catalogue_region_code'), ['region_code'], unique=False)

    op.create_table('em_aid_request',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_region', sa.String(length=20), nullable=False),
    sa.Column('requester_region', sa.String(length=20), nullable=False),
    sa.Column('giver_region', sa.String(length=20), nullable=False),
    sa.Column('teams_asked', sa.JSON(), nullable=False),
    sa.Column('supplies_asked', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('needed_by', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('answered_by', sa.String(length=100), nullable=False),
    sa.Column('answered_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_note', sa.Text(), nullable=False),
    sa.Column('teams_offered', sa.JSON(), nullable=False),
    sa.Column('supplies_offered', sa.JSON(), nullable=False),
    sa.Column('dispatch_ids', sa.JSON(), nullable=False),
    sa.Column('closed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('log_length', sa.Integer(), nullable=False),
    sa.Column('log_head', sa.String(length=64), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_aid_request_incident_id_em_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_aid_request'))
    )
    with op.batch_alter_table('em_aid_request', schema=None) as batch_op:
        batch_op.create_index('ix_em_aid_request_giver', ['giver_region', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_aid_request_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_em_aid_request_sides', ['incident_region', 'giver_region'], unique=False)

    op.create_table('em_aid_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('aid_request_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['aid_request_id'], ['em_aid_request.id'], name=op.f('fk_em_aid_log_aid_request_id_em_aid_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_aid_log')),
    sa.UniqueConstraint('aid_request_id', 'seq', name=op.f('uq_em_aid_log_aid_request_id'))
    )


def downgrade() -> None:
    op.drop_table('em_aid_log')
    with op.batch_alter_table('em_aid_request', schema=None) as batch_op:
        batch_op.drop_index('ix_em_aid_request_sides')
        batch_op.drop_index(batch_op.f('ix_em_aid_request_incident_id'))
        batch_op.drop_index('ix_em_aid_request_giver')

    op.drop_table('em_aid_request')
    with op.batch_alter_table('em_aid_catalogue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_aid_catalogue_region_code'))

    op.drop_table('em_aid_catalogue')
