"""firewatch: claims of devices the claimant cannot see, held for an office above to approve

Revision ID: 0007_device_claims
Revises: 0006_token_revocation
Create Date: 2026-12-10 11:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0007_device_claims'
down_revision: str | Sequence[str] | None = '0006_token_revocation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'fw_device_claim',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_kind', sa.String(length=10), nullable=False),
        sa.Column('device_key', sa.String(length=64), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requester_role', sa.String(length=32), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=False),
        sa.Column('decided_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('alarms_attached', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=20), nullable=False),
        sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['fw_unit.id'], name=op.f('fk_fw_device_claim_unit_id_fw_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fw_device_claim')),
    )
    with op.batch_alter_table('fw_device_claim', schema=None) as batch_op:
        for column in ('device_key', 'unit_id', 'organization_id', 'status', 'region_code'):
            batch_op.create_index(batch_op.f(f'ix_fw_device_claim_{column}'), [column], unique=False)


def downgrade() -> None:
    op.drop_table('fw_device_claim')
