"""emergency drill mode: an incident a drill opened (``is_drill``, ``drill_id``), issue #12 point 6

Revision ID: 0017_drill_mode
Revises: 0016_emergency_command
Create Date: generated from citysafe.emergency models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_drill_mode'
down_revision: str | Sequence[str] | None = '0016_emergency_command'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = '0013_emergency_plans'  # the drill table the incident points to


def upgrade() -> None:
    with op.batch_alter_table('em_incident') as batch:
        batch.add_column(sa.Column('is_drill', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('drill_id', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_em_incident_is_drill'), ['is_drill'], unique=False)
        batch.create_index(batch.f('ix_em_incident_drill_id'), ['drill_id'], unique=False)
        batch.create_foreign_key(batch.f('fk_em_incident_drill_id_emergency_drill'), 'emergency_drill',
                                 ['drill_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('em_incident') as batch:
        batch.drop_constraint(batch.f('fk_em_incident_drill_id_emergency_drill'), type_='foreignkey')
        batch.drop_index(batch.f('ix_em_incident_drill_id'))
        batch.drop_index(batch.f('ix_em_incident_is_drill'))
        batch.drop_column('drill_id')
        batch.drop_column('is_drill')
