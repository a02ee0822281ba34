"""emergency dispatch: imported road networks, one row per import, one in service (issue #13 point 2)

Revision ID: 0020_em_road_network
Revises: 0019_em_resources
Create Date: generated from citysafe.emergency.routing models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_em_road_network'
down_revision: str | Sequence[str] | None = '0019_em_resources'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'em_road_network',
        sa.Column('id', BigId, nullable=False),
        sa.Column('in_service', sa.Boolean(), nullable=False),
        sa.Column('source_name', sa.String(length=255), nullable=False),
        sa.Column('source_crs', sa.String(length=10), nullable=False),
        sa.Column('generated', sa.Boolean(), nullable=False),
        sa.Column('nodes', sa.Integer(), nullable=False),
        sa.Column('edges', sa.Integer(), nullable=False),
        sa.Column('min_lon', sa.Float(), nullable=False),
        sa.Column('min_lat', sa.Float(), nullable=False),
        sa.Column('max_lon', sa.Float(), nullable=False),
        sa.Column('max_lat', sa.Float(), nullable=False),
        sa.Column('speeds_source', sa.String(length=255), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by', sa.Integer(), nullable=True),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_em_road_network')),
    )
    op.create_index('uq_em_road_network_in_service', 'em_road_network', ['in_service'], unique=True,
                    sqlite_where=sa.text('in_service'), postgresql_where=sa.text('in_service'))


def downgrade() -> None:
    op.drop_index('uq_em_road_network_in_service', table_name='em_road_network')
    op.drop_table('em_road_network')
