"""emergency warnings (预警): warnings, their CAP messages, deliveries and public subscribers, issue #13 point 4

Revision ID: 0022_em_warnings
Revises: 0021_em_dispatch
Create Date: generated from citysafe.emergency.warnings models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0022_em_warnings'
down_revision: str | Sequence[str] | None = '0021_em_dispatch'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_warning_subscriber',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('webhook_url', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('test', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_warning_subscriber'))
    )
    op.create_index('ix_em_warning_subscriber_lonlat', 'em_warning_subscriber', ['lon', 'lat', 'test', 'active', 'region_code'], unique=False)
    op.create_index(op.f('ix_em_warning_subscriber_region_code'), 'em_warning_subscriber', ['region_code'], unique=False)
    op.create_table('em_warning',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=False),
    sa.Column('onset_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('area', sa.JSON(), nullable=True),
    sa.Column('region_codes', sa.JSON(), nullable=False),
    sa.Column('area_desc', sa.String(length=500), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('cap_status', sa.String(length=10), nullable=False),
    sa.Column('is_drill', sa.Boolean(), nullable=False),
    sa.Column('issued_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('proposed_measures', sa.JSON(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_warning_incident_id_em_incident'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_warning'))
    )
    op.create_index(op.f('ix_em_warning_incident_id'), 'em_warning', ['incident_id'], unique=False)
    op.create_index(op.f('ix_em_warning_region_code'), 'em_warning', ['region_code'], unique=False)
    op.create_index('ix_em_warning_state', 'em_warning', ['state', 'expires_at'], unique=False)
    op.create_table('em_warning_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warning_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('identifier', sa.String(length=31), nullable=False),
    sa.Column('msg_type', sa.String(length=10), nullable=False),
    sa.Column('cap_status', sa.String(length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('sent_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('sent_by', sa.String(length=100), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['warning_id'], ['em_warning.id'], name=op.f('fk_em_warning_message_warning_id_em_warning'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_warning_message')),
    sa.UniqueConstraint('identifier', name=op.f('uq_em_warning_message_identifier'))
    )
    op.create_index(op.f('ix_em_warning_message_region_code'), 'em_warning_message', ['region_code'], unique=False)
    op.create_index(op.f('ix_em_warning_message_warning_id'), 'em_warning_message', ['warning_id'], unique=False)
    op.create_table('em_warning_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('warning_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recipient_kind', sa.String(length=20), nullable=False),
    sa.Column('recipient_ref', sa.String(length=40), nullable=False),
    sa.Column('recipient_name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('sent_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['em_warning_message.id'], name=op.f('fk_em_warning_delivery_message_id_em_warning_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_warning_delivery'))
    )
    op.create_index('ix_em_warning_delivery_queue', 'em_warning_delivery', ['warning_id', 'status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_em_warning_delivery_queue', table_name='em_warning_delivery')
    op.drop_table('em_warning_delivery')
    op.drop_index(op.f('ix_em_warning_message_warning_id'), table_name='em_warning_message')
    op.drop_index(op.f('ix_em_warning_message_region_code'), table_name='em_warning_message')
    op.drop_table('em_warning_message')
    op.drop_index('ix_em_warning_state', table_name='em_warning')
    op.drop_index(op.f('ix_em_warning_region_code'), table_name='em_warning')
    op.drop_index(op.f('ix_em_warning_incident_id'), table_name='em_warning')
    op.drop_table('em_warning')
    op.drop_index(op.f('ix_em_warning_subscriber_region_code'), table_name='em_warning_subscriber')
    op.drop_index('ix_em_warning_subscriber_lonlat', table_name='em_warning_subscriber')
    op.drop_table('em_warning_subscriber')
