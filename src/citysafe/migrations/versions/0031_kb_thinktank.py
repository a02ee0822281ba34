"""knowledge.thinktank and knowledge.services: the one expert registry, and the purchased-services registry with
the first edition of its guidance catalogue (指导目录). Emergency's ``em_expert`` becomes ``kb_expert`` (rows, ids and
times kept) with specialities, e-mail, availability with dates and the emergency-pool mark (every existing expert is
in the pool: emergency put them there).

Revision ID: 0031_kb_thinktank
Revises: 0001_foundation
Depends on: 0019_em_resources (which created em_expert)
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import citysafe.core.db
from citysafe.knowledge.services.catalogue import CATALOGUE, EDITION

revision: str = '0031_kb_thinktank'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('thinktank',)
depends_on: str | Sequence[str] | None = ('0019_em_resources',)

NEW_COLUMNS = ('specialities', 'email', 'availability', 'busy_from', 'busy_until', 'availability_note',
               'emergency_pool')


def upgrade() -> None:
    op.drop_index('ix_em_expert_region_code', table_name='em_expert')
    op.rename_table('em_expert', 'kb_expert')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE kb_expert RENAME CONSTRAINT pk_em_expert TO pk_kb_expert')
        op.execute('ALTER SEQUENCE IF EXISTS em_expert_id_seq RENAME TO kb_expert_id_seq')
    with op.batch_alter_table('kb_expert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('specialities', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('email', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('availability', sa.String(length=20), nullable=False,
                                      server_default='available'))
        batch_op.add_column(sa.Column('busy_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('busy_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('availability_note', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('emergency_pool', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index(batch_op.f('ix_kb_expert_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_kb_expert_field', ['field'], unique=False)

    op.create_table('kb_service_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('edition', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_item')),
    sa.UniqueConstraint('edition', 'code', name='uq_kb_service_item_code')
    )

    op.create_table('kb_service_provider',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_kb_service_provider_organization_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_provider')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_kb_service_provider_organization_id'))
    )
    with op.batch_alter_table('kb_service_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_service_provider_region_code'), ['region_code'], unique=False)

    op.create_table('kb_service_contract',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('buyer', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['kb_service_item.id'], name=op.f('fk_kb_service_contract_item_id_kb_service_item'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_id'], ['kb_service_provider.id'], name=op.f('fk_kb_service_contract_provider_id_kb_service_provider'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_contract'))
    )
    with op.batch_alter_table('kb_service_contract', schema=None) as batch_op:
        batch_op.create_index('ix_kb_service_contract_provider', ['provider_id', 'starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_service_contract_region_code'), ['region_code'], unique=False)

    op.create_table('kb_service_qualification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['kb_service_provider.id'], name=op.f('fk_kb_service_qualification_provider_id_kb_service_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_qualification')),
    sa.UniqueConstraint('provider_id', 'number', name='uq_kb_service_qualification_number')
    )
    with op.batch_alter_table('kb_service_qualification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_service_qualification_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_service_qualification_region_code'), ['region_code'], unique=False)

    op.create_table('kb_service_evaluation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('evaluator', sa.String(length=100), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['kb_service_contract.id'], name=op.f('fk_kb_service_evaluation_contract_id_kb_service_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['kb_service_provider.id'], name=op.f('fk_kb_service_evaluation_provider_id_kb_service_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_evaluation'))
    )
    with op.batch_alter_table('kb_service_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_service_evaluation_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_service_evaluation_region_code'), ['region_code'], unique=False)

    op.create_table('kb_service_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('result', sa.String(length=500), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['kb_service_contract.id'], name=op.f('fk_kb_service_record_contract_id_kb_service_contract'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_service_record'))
    )
    with op.batch_alter_table('kb_service_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_service_record_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_service_record_region_code'), ['region_code'], unique=False)

    items = sa.table('kb_service_item', sa.column('edition', sa.String), sa.column('code', sa.String),
                     sa.column('category', sa.String), sa.column('name', sa.String),
                     sa.column('description', sa.Text), sa.column('basis', sa.String), sa.column('active', sa.Boolean),
                     sa.column('created_at', citysafe.core.db.UTCDateTime(timezone=True)),
                     sa.column('updated_at', citysafe.core.db.UTCDateTime(timezone=True)))
    now = datetime(2026, 1, 1, tzinfo=UTC)  # the first edition (knowledge/services/catalogue.py)
    op.bulk_insert(items, [{'edition': EDITION, 'code': code, 'category': category, 'name': name,
                            'description': description, 'basis': basis, 'active': True, 'created_at': now,
                            'updated_at': now} for code, category, name, description, basis in CATALOGUE])


def downgrade() -> None:
    with op.batch_alter_table('kb_service_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_service_record_region_code'))
        batch_op.drop_index(batch_op.f('ix_kb_service_record_contract_id'))

    op.drop_table('kb_service_record')

    with op.batch_alter_table('kb_service_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_service_evaluation_region_code'))
        batch_op.drop_index(batch_op.f('ix_kb_service_evaluation_provider_id'))

    op.drop_table('kb_service_evaluation')

    with op.batch_alter_table('kb_service_qualification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_service_qualification_region_code'))
        batch_op.drop_index(batch_op.f('ix_kb_service_qualification_provider_id'))

    op.drop_table('kb_service_qualification')

    with op.batch_alter_table('kb_service_contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_service_contract_region_code'))
        batch_op.drop_index('ix_kb_service_contract_provider')

    op.drop_table('kb_service_contract')

    with op.batch_alter_table('kb_service_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_service_provider_region_code'))

    op.drop_table('kb_service_provider')

    op.drop_table('kb_service_item')

    with op.batch_alter_table('kb_expert', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_expert_field')
        batch_op.drop_index(batch_op.f('ix_kb_expert_region_code'))
        for name in NEW_COLUMNS:
            batch_op.drop_column(name)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER SEQUENCE IF EXISTS kb_expert_id_seq RENAME TO em_expert_id_seq')
        op.execute('ALTER TABLE kb_expert RENAME CONSTRAINT pk_kb_expert TO pk_em_expert')
    op.rename_table('kb_expert', 'em_expert')
    op.create_index('ix_em_expert_region_code', 'em_expert', ['region_code'], unique=False)
