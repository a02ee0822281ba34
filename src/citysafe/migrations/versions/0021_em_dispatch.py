"""emergency dispatch orders: teams sent to an incident by travel time, arrival and release, issue #13 point 2

Revision ID: 0021_em_dispatch
Revises: 0020_em_road_network
Create Date: generated from citysafe.emergency.dispatch models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_em_dispatch'
down_revision: str | Sequence[str] | None = '0020_em_road_network'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'em_dispatch',
        sa.Column('id', _ID, nullable=False),
        sa.Column('incident_id', _ID, nullable=False),
        sa.Column('team_id', _ID, nullable=False),
        sa.Column('team_name', sa.String(length=200), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('eta_seconds', sa.Float(), nullable=False),
        sa.Column('metres', sa.Float(), nullable=False),
        sa.Column('route', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('dispatched_by', sa.String(length=100), nullable=False),
        sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('region_code', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['em_incident.id'], name=op.f('fk_em_dispatch_incident_id_em_incident'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['em_team.id'], name=op.f('fk_em_dispatch_team_id_em_team')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_em_dispatch')),
    )
    with op.batch_alter_table('em_dispatch') as batch:
        batch.create_index(batch.f('ix_em_dispatch_incident_id'), ['incident_id'], unique=False)
        batch.create_index(batch.f('ix_em_dispatch_team_id'), ['team_id'], unique=False)
        batch.create_index(batch.f('ix_em_dispatch_region_code'), ['region_code'], unique=False)


def downgrade() -> None:
    op.drop_table('em_dispatch')
