"""evaluation score sheets (issue #14 points 2-3): a 考核 set's grade → 部门绩效等级 mapping on the criteria
version, and the reason a sheet was returned

Revision ID: 0027_ev_sheets
Revises: 0026_ev_indicators
Create Date: generated from citysafe.evaluation models
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027_ev_sheets'
down_revision: str | Sequence[str] | None = '0026_ev_indicators'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ev_criteria', schema=None) as batch_op:
        batch_op.add_column(sa.Column('performance_grades', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('ev_sheet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_note', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('ev_sheet', schema=None) as batch_op:
        batch_op.drop_column('state_note')

    with op.batch_alter_table('ev_criteria', schema=None) as batch_op:
        batch_op.drop_column('performance_grades')
