"""auth: tokens revoked by logging out (the token's id until it would have expired)

Revision ID: 0006_token_revocation
Revises: 0005_forwarding_status
Create Date: 2026-12-10 10:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0006_token_revocation'
down_revision: str | Sequence[str] | None = '0005_forwarding_status'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'auth_revoked_token',
        sa.Column('token_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_id', name=op.f('pk_auth_revoked_token')),
    )
    with op.batch_alter_table('auth_revoked_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_revoked_token_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_revoked_token_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_table('auth_revoked_token')
