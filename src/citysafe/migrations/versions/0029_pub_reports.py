"""public: citizen reports (随手拍/有奖举报, issue #15 point 1): reports, photos, steps, the reporter vault,
the editable rules, SMS codes and refused attempts

Revision ID: 0029_pub_reports
Revises: 0001_foundation
Create Date: generated from citysafe.public.reports models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0029_pub_reports'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('public',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('pub_report_attempt',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_report_attempt'))
    )
    with op.batch_alter_table('pub_report_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_pub_report_attempt_client', ['client_key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_attempt_kind'), ['kind'], unique=False)

    op.create_table('pub_report_rule',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_pub_report_rule'))
    )
    op.create_table('pub_reporter_vault',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('home_address', sa.String(length=300), nullable=False),
    sa.Column('phone_verified', sa.Boolean(), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retain_until', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_reason', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_reporter_vault'))
    )
    with op.batch_alter_table('pub_reporter_vault', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_reporter_vault_retain_until'), ['retain_until'], unique=False)

    op.create_table('pub_sms_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone_key', sa.String(length=64), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('sent_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('used_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_sms_code'))
    )
    with op.batch_alter_table('pub_sms_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_sms_code_phone_key'), ['phone_key'], unique=False)

    op.create_table('pub_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('receipt', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('public_lon', sa.Float(), nullable=False),
    sa.Column('public_lat', sa.Float(), nullable=False),
    sa.Column('displacement_m', sa.Integer(), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('group_id', sa.BigInteger(), nullable=True),
    sa.Column('duplicate_reason', sa.String(length=10), nullable=False),
    sa.Column('vault_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('real_name', sa.Boolean(), nullable=False),
    sa.Column('phone_verified', sa.Boolean(), nullable=False),
    sa.Column('phone_key', sa.String(length=64), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('claimed_by_name', sa.String(length=100), nullable=False),
    sa.Column('claim_expires_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('verified_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('ticket_number', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.BigInteger(), nullable=True),
    sa.Column('incident_number', sa.String(length=40), nullable=False),
    sa.Column('closed_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['vault_id'], ['pub_reporter_vault.id'], name=op.f('fk_pub_report_vault_id_pub_reporter_vault'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_report')),
    sa.UniqueConstraint('receipt', name=op.f('uq_pub_report_receipt'))
    )
    with op.batch_alter_table('pub_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_report_client_key'), ['client_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_pub_report_list', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_pub_report_nearby', ['category', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_phone_key'), ['phone_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('pub_report_photo',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=30), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('taken_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['pub_report.id'], name=op.f('fk_pub_report_photo_report_id_pub_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_report_photo'))
    )
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_report_photo_phash'), ['phash'], unique=False)
        batch_op.create_index(batch_op.f('ix_pub_report_photo_report_id'), ['report_id'], unique=False)

    op.create_table('pub_report_step',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['pub_report.id'], name=op.f('fk_pub_report_step_report_id_pub_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pub_report_step'))
    )
    with op.batch_alter_table('pub_report_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pub_report_step_report_id'), ['report_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('pub_report_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_report_step_report_id'))

    op.drop_table('pub_report_step')
    with op.batch_alter_table('pub_report_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_report_photo_report_id'))
        batch_op.drop_index(batch_op.f('ix_pub_report_photo_phash'))

    op.drop_table('pub_report_photo')
    with op.batch_alter_table('pub_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_report_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_pub_report_state'))
        batch_op.drop_index(batch_op.f('ix_pub_report_region_code'))
        batch_op.drop_index(batch_op.f('ix_pub_report_phone_key'))
        batch_op.drop_index('ix_pub_report_nearby')
        batch_op.drop_index('ix_pub_report_list')
        batch_op.drop_index(batch_op.f('ix_pub_report_incident_id'))
        batch_op.drop_index(batch_op.f('ix_pub_report_group_id'))
        batch_op.drop_index(batch_op.f('ix_pub_report_client_key'))

    op.drop_table('pub_report')
    with op.batch_alter_table('pub_sms_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_sms_code_phone_key'))

    op.drop_table('pub_sms_code')
    with op.batch_alter_table('pub_reporter_vault', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_reporter_vault_retain_until'))

    op.drop_table('pub_reporter_vault')
    op.drop_table('pub_report_rule')
    with op.batch_alter_table('pub_report_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pub_report_attempt_kind'))
        batch_op.drop_index('ix_pub_report_attempt_client')

    op.drop_table('pub_report_attempt')

