"""emergency.resources and emergency.shelters: teams and their status history, experts, depots, stock (GB/T 38565),
agreement reserves; shelters (GB/T 44013), their movements, per-person area rules, community populations

Revision ID: 0019_em_resources
Revises: 0018_em_room
Create Date: generated from citysafe.emergency.resources and .shelters models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import citysafe.core.db

revision: str = '0019_em_resources'
down_revision: str | Sequence[str] | None = '0018_em_room'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('em_community_population',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_community_population'))
    )
    with op.batch_alter_table('em_community_population', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_community_population_region_code'), ['region_code'], unique=True)

    op.create_table('em_depot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('keeper', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_depot')),
    sa.UniqueConstraint('name', name=op.f('uq_em_depot_name'))
    )
    with op.batch_alter_table('em_depot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_depot_region_code'), ['region_code'], unique=False)

    op.create_table('em_expert',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('employer', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_expert'))
    )
    with op.batch_alter_table('em_expert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_expert_region_code'), ['region_code'], unique=False)

    op.create_table('em_shelter',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('grade', sa.String(length=20), nullable=False),
    sa.Column('space', sa.String(length=10), nullable=False),
    sa.Column('function', sa.String(length=20), nullable=False),
    sa.Column('duration', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('effective_area_m2', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('facilities', sa.JSON(), nullable=False),
    sa.Column('occupancy', sa.Integer(), nullable=False),
    sa.Column('manager', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_shelter')),
    sa.UniqueConstraint('name', name=op.f('uq_em_shelter_name'))
    )
    with op.batch_alter_table('em_shelter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_shelter_region_code'), ['region_code'], unique=False)

    op.create_table('em_shelter_area_rule',
    sa.Column('duration', sa.String(length=20), nullable=False),
    sa.Column('area_per_person_m2', sa.Float(), nullable=False),
    sa.Column('rule', sa.String(length=300), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('duration', name=op.f('pk_em_shelter_area_rule'))
    )
    op.create_table('em_agreement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('response_hours', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['organization.id'], name=op.f('fk_em_agreement_supplier_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_agreement'))
    )
    with op.batch_alter_table('em_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_agreement_region_code'), ['region_code'], unique=False)

    op.create_table('em_stock',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('depot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=7), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['depot_id'], ['em_depot.id'], name=op.f('fk_em_stock_depot_id_em_depot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_stock')),
    sa.UniqueConstraint('depot_id', 'code', 'expires_on', name='uq_em_stock_batch')
    )
    with op.batch_alter_table('em_stock', schema=None) as batch_op:
        batch_op.create_index('ix_em_stock_code', ['code'], unique=False)
        batch_op.create_index('ix_em_stock_expiry', ['expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_stock_region_code'), ['region_code'], unique=False)

    op.create_table('em_shelter_movement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shelter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('change', sa.Integer(), nullable=False),
    sa.Column('occupancy_after', sa.Integer(), nullable=False),
    sa.Column('over_capacity', sa.Boolean(), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_shelter_movement_incident_id_em_incident'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shelter_id'], ['em_shelter.id'], name=op.f('fk_em_shelter_movement_shelter_id_em_shelter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_shelter_movement'))
    )
    with op.batch_alter_table('em_shelter_movement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_shelter_movement_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_em_shelter_movement_shelter', ['shelter_id', 'at'], unique=False)

    op.create_table('em_team',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('specialty', sa.String(length=30), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('equipment', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status_since', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.Column('created_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_team_incident_id_em_incident'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_em_team_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_team'))
    )
    with op.batch_alter_table('em_team', schema=None) as batch_op:
        batch_op.create_index('ix_em_team_board', ['status', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_em_team_region_code'), ['region_code'], unique=False)

    op.create_table('em_team_status',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('team_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('incident_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('at', citysafe.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_team_status_incident_id_em_incident'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['em_team.id'], name=op.f('fk_em_team_status_team_id_em_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_em_team_status'))
    )
    with op.batch_alter_table('em_team_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_em_team_status_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_em_team_status_team', ['team_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('em_team_status', schema=None) as batch_op:
        batch_op.drop_index('ix_em_team_status_team')
        batch_op.drop_index(batch_op.f('ix_em_team_status_region_code'))

    op.drop_table('em_team_status')
    with op.batch_alter_table('em_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_team_region_code'))
        batch_op.drop_index('ix_em_team_board')

    op.drop_table('em_team')
    with op.batch_alter_table('em_shelter_movement', schema=None) as batch_op:
        batch_op.drop_index('ix_em_shelter_movement_shelter')
        batch_op.drop_index(batch_op.f('ix_em_shelter_movement_region_code'))

    op.drop_table('em_shelter_movement')
    with op.batch_alter_table('em_stock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_stock_region_code'))
        batch_op.drop_index('ix_em_stock_expiry')
        batch_op.drop_index('ix_em_stock_code')

    op.drop_table('em_stock')
    with op.batch_alter_table('em_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_agreement_region_code'))

    op.drop_table('em_agreement')
    op.drop_table('em_shelter_area_rule')
    with op.batch_alter_table('em_shelter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_shelter_region_code'))

    op.drop_table('em_shelter')
    with op.batch_alter_table('em_expert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_expert_region_code'))

    op.drop_table('em_expert')
    with op.batch_alter_table('em_depot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_depot_region_code'))

    op.drop_table('em_depot')
    with op.batch_alter_table('em_community_population', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_em_community_population_region_code'))

    op.drop_table('em_community_population')
