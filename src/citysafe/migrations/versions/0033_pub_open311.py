"""public: Open311 GeoReport v2 (issue #15 point 1): the keys client apps post with, every POST made with one,
and the reporter's e-mail (GeoReport v2 ``email``) in the reports' personal-data vault

Revision ID: 0033_pub_open311
Revises: 0029_pub_reports
Create Date: generated from citysafe.public.open311 models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0033_pub_open311'
down_revision: str | Sequence[str] | None = '0029_pub_reports'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pub_open311_key',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=12), nullable=False),
    sa.Column('per_hour', sa.Integer(), nullable=False),
    sa.Column('media_hosts', sa.String(length=300), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('revoked_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('posts', sa.BigInteger(), nullable=False),
    sa.Column('last_post_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_open311_key')),
    sa.UniqueConstraint('key_digest', name=op.f('uq_pub_open311_key_key_digest')),
    sa.UniqueConstraint('name', name=op.f('uq_pub_open311_key_name'))
    )
    op.create_table('pub_open311_post',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('report_id', sa.BigInteger(), nullable=True),
    sa.Column('refused', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['pub_open311_key.id'], name=op.f('fk_pub_open311_post_key_id_pub_open311_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_open311_post'))
    )
    with op.batch_alter_table('pub_open311_post', schema=None) as batch_op:
        batch_op.create_index('ix_pub_open311_post_key_at', ['key_id', 'at'], unique=False)

    with op.batch_alter_table('pub_reporter_vault', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('pub_reporter_vault', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('pub_open311_post', schema=None) as batch_op:
        batch_op.drop_index('ix_pub_open311_post_key_at')

    op.drop_table('pub_open311_post')
    op.drop_table('pub_open311_key')
