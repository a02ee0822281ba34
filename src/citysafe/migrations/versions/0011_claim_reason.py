"""firewatch.registry: the reason an office gives when it approves or rejects a device claim

Revision ID: 0011_claim_reason
Revises: 0010_enforcement_basis
Create Date: 2026-12-06 10:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_claim_reason'
down_revision: str | Sequence[str] | None = '0010_enforcement_basis'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0007_device_claims'  # adds to the claim table created there


def upgrade() -> None:
    with op.batch_alter_table('fw_device_claim') as batch:
        batch.add_column(sa.Column('decision_note', sa.String(length=200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('fw_device_claim') as batch:
        batch.drop_column('decision_note')
