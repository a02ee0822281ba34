"""emergency incident room: attachments on the timeline, and command members who stand down, issue #12 point 4

Revision ID: 0018_em_room
Revises: 0017_drill_mode
Create Date: generated from citysafe.emergency models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_em_room'
down_revision: str | Sequence[str] | None = '0017_drill_mode'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'em_incident_attachment',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by', sa.String(length=100), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('region_code', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'],
                                name=op.f('fk_em_incident_attachment_incident_id_em_incident'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_em_incident_attachment')),
    )
    with op.batch_alter_table('em_incident_attachment') as batch:
        batch.create_index(batch.f('ix_em_incident_attachment_incident_id'), ['incident_id'], unique=False)
        batch.create_index(batch.f('ix_em_incident_attachment_region_code'), ['region_code'], unique=False)
    with op.batch_alter_table('em_command_member') as batch:
        batch.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('left_by', sa.String(length=100), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('em_command_member') as batch:
        batch.drop_column('left_by')
        batch.drop_column('left_at')
    op.drop_table('em_incident_attachment')
